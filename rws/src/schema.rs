//! JSON Schema (draft 2020-12) of the types handlers take, through schemars: the input
//! schemas of MCP tools, and later the API document's (`OpenAPI` 3.1 uses 2020-12 as well).

use schemars::JsonSchema;
use serde_json::{Map, Value};

/// The schema of `T` as a JSON object: doc comments become `description`s, referenced types
/// sit under `$defs`.
pub(crate) fn object_of<T: JsonSchema>() -> Map<String, Value> {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    match schema.to_value() {
        Value::Object(map) => map,
        // `true` (anything goes) as an object.
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A point.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Point {
        /// Across.
        x: i32,
        label: Option<String>,
    }

    #[test]
    fn doc_comments_and_options_read_as_json_schema_2020_12() {
        let schema = Value::Object(object_of::<Point>());
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(schema["description"], "A point.");
        assert_eq!(schema["properties"]["x"]["description"], "Across.");
        assert_eq!(
            schema["properties"]["label"]["type"],
            serde_json::json!(["string", "null"])
        );
        assert_eq!(schema["required"], serde_json::json!(["x"]));
    }
}
