//! Resources: a URI (or an RFC 6570 template of them) served by an rws handler, whose `Path`
//! extractor reads the template's variables.

use std::sync::Arc;

use base64::Engine as _;
use rmcp::model::{ErrorData, ReadResourceResult, Resource, ResourceContents, ResourceTemplate};

use super::call::{self, Answer};
use super::named::Named;
use super::template::UriTemplate;
use crate::handler::Endpoint;

/// What lists the concrete resources a template serves (a folder's files).
pub(crate) type Lister = Arc<dyn Fn() -> Vec<Resource> + Send + Sync>;

#[derive(Clone)]
pub(crate) struct ResourceDef {
    pub(crate) template: UriTemplate,
    pub(crate) named: Named,
    pub(crate) endpoint: Endpoint,
    pub(crate) lister: Option<Lister>,
}

impl ResourceDef {
    /// How `resources/list` shows a resource without variables.
    pub(crate) fn listed(&self) -> Option<Resource> {
        (!self.template.is_template()).then(|| {
            let mut resource = Resource::new(self.template.as_str(), self.template.as_str());
            resource.title.clone_from(&self.named.title);
            resource.description.clone_from(&self.named.description);
            resource
        })
    }

    /// How `resources/templates/list` shows a template.
    pub(crate) fn listed_template(&self) -> Option<ResourceTemplate> {
        self.template.is_template().then(|| {
            let mut template =
                ResourceTemplate::new(self.template.as_str(), self.template.as_str());
            template.title.clone_from(&self.named.title);
            template.description.clone_from(&self.named.description);
            template
        })
    }

    /// Reads `uri` if this resource serves it: `None` when it does not.
    pub(crate) async fn read(
        &self,
        head: Option<&http::request::Parts>,
        uri: &str,
    ) -> Option<Result<ReadResourceResult, ErrorData>> {
        let route = self.template.matches(uri)?;
        let answer = match call::run(
            &self.endpoint,
            head,
            call::Call {
                method: http::Method::GET,
                uri: http::Uri::try_from(route.path.as_str()).ok(),
                body: None,
                route: Some(route),
                progress: None,
            },
        )
        .await
        {
            Ok(answer) => answer,
            Err(e) => return Some(Err(ErrorData::internal_error(e, None))),
        };
        if answer.status.as_u16() >= 400 {
            return Some(Err(answer.error(ErrorData::resource_not_found)));
        }
        Some(Ok(ReadResourceResult::new(vec![contents(uri, &answer)])))
    }
}

/// Text when the body is UTF-8 (any text, JSON, XML), base64 otherwise; the media type as
/// the handler declared it.
fn contents(uri: &str, answer: &Answer) -> ResourceContents {
    let mime_type = answer
        .content_type
        .as_deref()
        .map(|ct| crate::media_type::essence(ct).to_owned());
    match std::str::from_utf8(&answer.body) {
        Ok(text) => ResourceContents::TextResourceContents {
            uri: uri.to_owned(),
            mime_type,
            text: text.to_owned(),
            meta: None,
        },
        Err(_) => ResourceContents::BlobResourceContents {
            uri: uri.to_owned(),
            mime_type,
            blob: base64::engine::general_purpose::STANDARD.encode(&answer.body),
            meta: None,
        },
    }
}
