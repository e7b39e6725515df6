//! The MCP server: what `tools/*`, `resources/*` and `prompts/*` answer, over whichever
//! transport rmcp runs it on.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, ErrorData, GetPromptRequestParams, GetPromptResponse,
    Implementation, InitializeResult, ListPromptsResult, ListResourceTemplatesResult,
    ListResourcesResult, ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ServerCapabilities,
};
use rmcp::service::{RequestContext, RoleServer};

use super::progress::Progress;
use super::prompt::PromptDef;
use super::resource::ResourceDef;
use super::tool::ToolDef;

/// One server per session (or per request, statelessly); all share the tools.
#[derive(Clone)]
pub(crate) struct Server {
    tools: Arc<[ToolDef]>,
    resources: Arc<[ResourceDef]>,
    prompts: Arc<[PromptDef]>,
    // The head handlers see when the transport has no HTTP request (stdio).
    head: Option<Arc<http::request::Parts>>,
}

impl Server {
    pub(crate) fn new(
        tools: Vec<ToolDef>,
        resources: Vec<ResourceDef>,
        prompts: Vec<PromptDef>,
    ) -> Self {
        Server {
            tools: tools.into(),
            resources: resources.into(),
            prompts: prompts.into(),
            head: None,
        }
    }

    /// A server whose calls carry `head` when their transport brings none.
    pub(crate) fn with_head(mut self, head: http::request::Parts) -> Self {
        self.head = Some(Arc::new(head));
        self
    }

    /// The `/mcp` request's head, or the fixed one.
    fn head<'a>(
        &'a self,
        context: &'a RequestContext<RoleServer>,
    ) -> Option<&'a http::request::Parts> {
        context
            .extensions
            .get::<http::request::Parts>()
            .or(self.head.as_deref())
    }
}

impl rmcp::ServerHandler for Server {
    fn get_info(&self) -> InitializeResult {
        let mut capabilities = ServerCapabilities::default();
        if !self.tools.is_empty() {
            capabilities = ServerCapabilities::builder().enable_tools().build();
        }
        if !self.resources.is_empty() {
            capabilities.resources = ServerCapabilities::builder()
                .enable_resources()
                .build()
                .resources;
        }
        if !self.prompts.is_empty() {
            capabilities.prompts = ServerCapabilities::builder()
                .enable_prompts()
                .build()
                .prompts;
        }
        let mut info = InitializeResult::new(capabilities);
        info.server_info = Implementation::new("rws", env!("CARGO_PKG_VERSION"));
        info
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(
            self.tools.iter().map(|t| t.tool.clone()).collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let Some(def) = self.tools.iter().find(|t| t.tool.name == request.name) else {
            return Err(ErrorData::invalid_params(
                format!("no tool is named `{}`", request.name),
                None,
            ));
        };
        let head = self.head(&context);
        let progress = Progress::new(context.peer.clone(), context.meta.get_progress_token());
        // A call the client cancels (or whose stream closes) stops its handler.
        tokio::select! {
            result = def.call(head, request.arguments, progress) => Ok(result.into()),
            () = context.ct.cancelled() => Err(ErrorData::internal_error("cancelled", None)),
        }
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let mut listed: Vec<_> = self
            .resources
            .iter()
            .filter_map(ResourceDef::listed)
            .collect();
        // A folder is read from disk off the runtime's threads.
        for lister in self.resources.iter().filter_map(|r| r.lister.clone()) {
            if let Ok(found) = tokio::task::spawn_blocking(move || lister()).await {
                listed.extend(found);
            }
        }
        Ok(ListResourcesResult::with_all_items(listed))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        Ok(ListResourceTemplatesResult::with_all_items(
            self.resources
                .iter()
                .filter_map(ResourceDef::listed_template)
                .collect(),
        ))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let head = self.head(&context);
        // Resources without variables first: `config://app` beats `config://{name}`.
        let mut ordered: Vec<&ResourceDef> = self.resources.iter().collect();
        ordered.sort_by_key(|r| r.template.is_template());
        for resource in ordered {
            let read = tokio::select! {
                read = resource.read(head, &request.uri) => read,
                () = context.ct.cancelled() => return Err(ErrorData::internal_error("cancelled", None)),
            };
            if let Some(read) = read {
                return read.map(Into::into);
            }
        }
        Err(ErrorData::resource_not_found(
            format!("no resource is `{}`", request.uri),
            None,
        ))
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        Ok(ListPromptsResult::with_all_items(
            self.prompts.iter().map(|p| p.prompt.clone()).collect(),
        ))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let Some(def) = self.prompts.iter().find(|p| p.prompt.name == request.name) else {
            return Err(ErrorData::invalid_params(
                format!("no prompt is named `{}`", request.name),
                None,
            ));
        };
        let head = self.head(&context);
        tokio::select! {
            result = def.get(head, request.arguments) => result.map(Into::into),
            () = context.ct.cancelled() => Err(ErrorData::internal_error("cancelled", None)),
        }
    }
}
