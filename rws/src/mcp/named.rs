//! What a client shows of a tool, resource or prompt: its name, and optionally a title and a
//! description (which otherwise come from the input type's doc comment).

/// A tool's or prompt's name (a resource's URI), with a title and description to show.
///
/// ```
/// use rws::prelude::*;
/// use rws::mcp::Named;
///
/// let app = App::new().mcp_tool(
///     Named::new("server_time").title("Server time").description("The server's clock, in RFC 3339."),
///     || async { "2026-12-04T19:40:00Z" },
/// );
/// # let _ = app;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
}

impl Named {
    /// `name` alone.
    pub fn new(name: impl Into<String>) -> Self {
        Named {
            name: name.into(),
            title: None,
            description: None,
        }
    }

    /// The title a client shows instead of the name.
    #[must_use]
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// What it does, for the model to read; replaces the input type's doc comment.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

impl From<&str> for Named {
    fn from(name: &str) -> Self {
        Named::new(name)
    }
}

impl From<String> for Named {
    fn from(name: String) -> Self {
        Named::new(name)
    }
}
