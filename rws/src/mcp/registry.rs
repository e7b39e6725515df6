//! The MCP tools an app holds until it is built (kept apart from the `App` methods that fill
//! it, so that `App` can hold one without the two files importing each other).

use std::time::Duration;

use super::prompt::PromptDef;
use super::resource::ResourceDef;
use super::tool::ToolDef;

/// How many sessions (protocol 2025-11-25) the endpoint holds at most, unless
/// [`App::mcp_max_sessions`](crate::App::mcp_max_sessions) says otherwise.
pub const DEFAULT_MAX_SESSIONS: usize = 1024;

/// How long a session may sit idle before it ends, unless
/// [`App::mcp_session_idle`](crate::App::mcp_session_idle) says otherwise.
pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(300);

/// Where the MCP endpoint is mounted unless [`App::mcp_path`](crate::App::mcp_path) moves it.
pub const DEFAULT_PATH: &str = "/mcp";

/// The tools an app serves, until it is built.
#[derive(Clone)]
pub(crate) struct Registry {
    pub(crate) tools: Vec<ToolDef>,
    pub(crate) resources: Vec<ResourceDef>,
    pub(crate) prompts: Vec<PromptDef>,
    pub(crate) path: String,
    pub(crate) allowed_hosts: Vec<String>,
    pub(crate) max_sessions: usize,
    pub(crate) session_idle: Duration,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            tools: Vec::new(),
            resources: Vec::new(),
            prompts: Vec::new(),
            path: DEFAULT_PATH.to_owned(),
            allowed_hosts: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
            max_sessions: DEFAULT_MAX_SESSIONS,
            session_idle: DEFAULT_SESSION_IDLE,
        }
    }
}

impl Registry {
    /// The tools of a nested or merged app, each behind that app's middleware.
    pub(crate) fn absorb(&mut self, other: Registry, wraps: &[crate::middleware::SharedWrap]) {
        let wrap = |endpoint| crate::middleware::compose(wraps, endpoint);
        for mut tool in other.tools {
            tool.endpoint = wrap(tool.endpoint);
            self.tools.push(tool);
        }
        for mut resource in other.resources {
            resource.endpoint = wrap(resource.endpoint);
            self.resources.push(resource);
        }
        for mut prompt in other.prompts {
            prompt.endpoint = wrap(prompt.endpoint);
            self.prompts.push(prompt);
        }
    }
}
