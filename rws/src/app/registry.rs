//! Routes declared with `#[route]` (and `#[get]`, …), collected through `inventory` from every
//! linked crate.
//!
//! A crate whose routes the binary never names is not linked, and so not collected: a binary
//! that depends on a library of routes must name it, for instance with `use my_routes as _;`.

use crate::handler::{Endpoint, Handler};
use crate::state::Requirements;

/// One `#[route]` registration, as the macro emits it. Not for hand-written use.
#[doc(hidden)]
#[derive(Debug)]
pub struct RouteDef {
    pub(crate) methods: &'static [&'static str],
    pub(crate) pattern: &'static str,
    pub(crate) name: Option<&'static str>,
    pub(crate) function: &'static str,
    pub(crate) module_path: &'static str,
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    pub(crate) column: u32,
    pub(crate) make: fn() -> MacroEndpoint,
}

impl RouteDef {
    /// Called by `#[route]`'s expansion only.
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        methods: &'static [&'static str],
        pattern: &'static str,
        name: Option<&'static str>,
        function: &'static str,
        module_path: &'static str,
        file: &'static str,
        line: u32,
        column: u32,
        make: fn() -> MacroEndpoint,
    ) -> Self {
        RouteDef {
            methods,
            pattern,
            name,
            function,
            module_path,
            file,
            line,
            column,
            make,
        }
    }
}

inventory::collect!(RouteDef);

/// A macro route's handler, erased, with what its extractors require.
#[doc(hidden)]
#[derive(Debug)]
pub struct MacroEndpoint {
    pub(crate) endpoint: Endpoint,
    pub(crate) requirements: Requirements,
}

impl MacroEndpoint {
    /// Called by `#[route]`'s expansion only.
    pub fn new<H: Handler<T>, T: 'static>(handler: H) -> Self {
        let mut requirements = Requirements::default();
        H::requirements(&mut requirements);
        MacroEndpoint {
            endpoint: handler.into_endpoint(),
            requirements,
        }
    }
}

/// Every registered macro route, one entry per method, in source order.
pub(crate) fn routes() -> Vec<super::Route> {
    let mut defs: Vec<&'static RouteDef> = inventory::iter::<RouteDef>.into_iter().collect();
    defs.sort_by_key(|d| (d.file, d.line, d.column));
    let mut out = Vec::new();
    for def in defs {
        let made = (def.make)();
        for method in def.methods {
            // The macro only emits the standard method names, which always parse.
            let Ok(method) = method.parse() else { continue };
            out.push(super::Route {
                method,
                pattern: def.pattern.to_owned(),
                endpoint: made.endpoint.clone(),
                layers: Vec::new(),
                requirements: made.requirements.clone(),
                handler: format!("{}::{}", def.module_path, def.function),
                name: def.name,
                location: super::Source {
                    file: def.file,
                    line: def.line,
                    column: def.column,
                },
                body_limit: None,
            });
        }
    }
    out
}

/// Marks the whole-request type the seed's handler shape takes first.
#[doc(hidden)]
#[diagnostic::on_unimplemented(message = "only `rws::Request` may come before head extractors")]
pub trait IsRequest {}

impl IsRequest for crate::Request {}
