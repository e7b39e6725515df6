//! `App::build`: every check at once, then the compiled route table and middleware chain.

use std::fmt;
use std::sync::Arc;

use http::Method;

use super::dispatch::{RouteEndpoint, RouterEndpoint, automatic};
use super::service::{AppService, Shared};
use super::{App, Route, registry};
use crate::context::DEFAULT_BODY_LIMIT;
use crate::handler::Endpoint;
use crate::middleware::{self, Provided, SharedWrap};
use crate::router::{InsertError, Pattern, RouteTable};
use crate::state::{Requirements, StateMap};

/// Everything wrong with an app, found when it was built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    problems: Vec<String>,
}

impl BuildError {
    /// One line per problem.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "the app has {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

fn describe(r: &Route) -> String {
    format!("`{} {}` ({})", r.method, r.pattern, r.location)
}

pub(super) fn build(app: App) -> Result<AppService, BuildError> {
    let App {
        macro_routes,
        routes: builder_routes,
        middleware: wraps,
        state,
        fallback,
        nested_fallbacks,
        body_limit,
        mut problems,
        #[cfg(feature = "mcp")]
            mcp: _,
    } = app;
    let mut routes = if macro_routes {
        registry::routes()
    } else {
        Vec::new()
    };
    routes.extend(builder_routes);

    // Group by pattern, keeping the order routes were added in.
    let mut groups: Vec<(String, Vec<&Route>)> = Vec::new();
    for route in &routes {
        if let Err(e) = Pattern::parse(&route.pattern) {
            problems.push(format!("{e} (route {})", describe(route)));
            continue;
        }
        match groups.iter_mut().find(|(p, _)| *p == route.pattern) {
            Some((_, group)) => {
                if let Some(first) = group.iter().find(|r| r.method == route.method) {
                    problems.push(format!(
                        "route {} is registered twice: first at {}",
                        describe(route),
                        first.location
                    ));
                    continue;
                }
                group.push(route);
            }
            None => groups.push((route.pattern.clone(), vec![route])),
        }
        let what = format!("route {}", describe(route));
        let provided = provided_by(&wraps, &route.layers);
        check_needs(&what, &route.requirements, &state, &provided, &mut problems);
    }
    let fallbacks = fallback
        .iter()
        .chain(nested_fallbacks.iter().map(|(_, f)| f));
    for f in fallbacks {
        let what = format!("the fallback added at {}", f.location);
        let provided = provided_by(&wraps, &f.layers);
        check_needs(&what, &f.requirements, &state, &provided, &mut problems);
    }

    let entries = groups.iter().map(|(pattern, group)| {
        let methods: Vec<(Method, RouteEndpoint)> = group
            .iter()
            .map(|r| {
                let endpoint = RouteEndpoint {
                    endpoint: r.endpoint.clone(),
                    automatic: middleware::compose(&r.layers, automatic()),
                    body_limit: r.body_limit,
                };
                (r.method.clone(), endpoint)
            })
            .collect();
        // The middleware every route of the pattern carries: what its answers for no route in
        // particular (405, a plain OPTIONS) pass through.
        let first = group.first().map_or(&[][..], |r| &r.layers[..]);
        let shared = group
            .iter()
            .map(|r| middleware::common_prefix(first, &r.layers))
            .min()
            .unwrap_or(0);
        let automatic = middleware::compose(&first[..shared], automatic());
        (pattern.clone(), methods, automatic)
    });
    let (table, conflicts) = RouteTable::build(entries);
    report_conflicts(&routes, conflicts, &mut problems);

    if !problems.is_empty() {
        return Err(BuildError { problems });
    }

    let router = RouterEndpoint {
        table,
        fallback: fallback.map(|f| f.endpoint),
        nested_fallbacks: nested_fallbacks
            .into_iter()
            .map(|(prefix, f)| (prefix, f.endpoint))
            .collect(),
    };
    let chain = middleware::compose(&wraps, Endpoint::new(router));
    Ok(AppService::new(Shared {
        chain,
        state: Arc::new(state),
        body_limit: body_limit.unwrap_or(DEFAULT_BODY_LIMIT),
    }))
}

/// What a route or fallback (`what`) needs and lacks: state, and layers its extractors read from.
fn check_needs(
    what: &str,
    requirements: &Requirements,
    state: &StateMap,
    provided: &Provided,
    problems: &mut Vec<String>,
) {
    for missing in requirements.missing(state) {
        problems.push(format!(
            "{what} needs state `{missing}`, which the app lacks: add it with `App::state`"
        ));
    }
    for (extractor, layer) in requirements.missing_layers(provided) {
        problems.push(format!(
            "{what} extracts `{extractor}`, which needs a `{layer}` in front of it: add one with `App::wrap` (or `.with` on the route)"
        ));
    }
}

/// What the app's own middleware and a route's (nests', then its own) insert for extractors.
fn provided_by(app: &[SharedWrap], route: &[SharedWrap]) -> Provided {
    let mut provided = Provided::default();
    for wrap in app.iter().chain(route) {
        wrap.provides(&mut provided);
    }
    provided
}

/// Describes each tree conflict with the source of both routes.
fn report_conflicts(routes: &[Route], conflicts: Vec<InsertError>, problems: &mut Vec<String>) {
    for conflict in conflicts {
        if let InsertError::Conflict { pattern, with } = &conflict {
            let at = |p: &str| {
                routes
                    .iter()
                    .find(|r| r.pattern == p)
                    .map_or_else(String::new, |r| r.location.to_string())
            };
            problems.push(format!(
                "route `{pattern}` ({}) conflicts with `{with}` ({}): a parameter at the same position must have the same name, and two patterns may not match the same paths",
                at(pattern),
                at(with)
            ));
        } else {
            problems.push(conflict.to_string());
        }
    }
}
