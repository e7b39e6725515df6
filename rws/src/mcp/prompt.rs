//! Prompts: an rws handler whose `Json<T>` input names the prompt's arguments and whose
//! answer is the prompt's text (or, as JSON, its messages).

use rmcp::model::{
    ErrorData, GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role,
};
use serde_json::{Map, Value};

use super::call;
use super::named::Named;
use crate::handler::Endpoint;

#[derive(Clone)]
pub(crate) struct PromptDef {
    pub(crate) prompt: Prompt,
    pub(crate) endpoint: Endpoint,
}

impl PromptDef {
    /// The prompt `name`, its arguments the properties of the input's `schema` (MCP passes
    /// every argument as a string), its description the input type's doc comment.
    pub(crate) fn new(named: Named, schema: &Map<String, Value>, endpoint: Endpoint) -> Self {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let arguments: Vec<PromptArgument> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|properties| {
                properties
                    .iter()
                    .map(|(name, property)| {
                        let mut argument = PromptArgument::new(name.clone());
                        argument.description = property
                            .get("description")
                            .and_then(Value::as_str)
                            .map(str::to_owned);
                        argument.required = Some(required.contains(&name.as_str()));
                        argument
                    })
                    .collect()
            })
            .unwrap_or_default();
        let documented = schema.get("description").and_then(Value::as_str);
        let description = named.description.as_deref().or(documented);
        let mut prompt = Prompt::new(
            named.name.as_str(),
            description,
            Some(arguments).filter(|a| !a.is_empty()),
        );
        prompt.title = named.title;
        PromptDef { prompt, endpoint }
    }

    /// Runs the handler with `arguments` as its JSON body: a JSON answer with `messages` is
    /// the result as it stands, any other answer one user message of its text.
    pub(crate) async fn get(
        &self,
        head: Option<&http::request::Parts>,
        arguments: Option<JsonObject>,
    ) -> Result<GetPromptResult, ErrorData> {
        let body = serde_json::to_vec(&arguments.unwrap_or_default()).unwrap_or_default();
        let answer = call::run(&self.endpoint, head, call::Call::post(body))
            .await
            .map_err(|e| ErrorData::internal_error(e, None))?;
        if answer.status.as_u16() >= 400 {
            return Err(answer.error(ErrorData::invalid_params));
        }
        if let Some(pieces) = answer.pieces {
            let messages = pieces
                .into_iter()
                .map(|piece| PromptMessage::new(Role::User, piece))
                .collect();
            let mut result = GetPromptResult::new(messages);
            result.description.clone_from(&self.prompt.description);
            return Ok(result);
        }
        if answer.is_json()
            && let Ok(result) = serde_json::from_slice::<GetPromptResult>(&answer.body)
        {
            return Ok(result);
        }
        let mut result =
            GetPromptResult::new(vec![PromptMessage::new_text(Role::User, answer.text())]);
        result.description.clone_from(&self.prompt.description);
        Ok(result)
    }
}
