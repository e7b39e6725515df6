//! Layering defaults, the TOML file, the environment and the command line into one [`Config`],
//! keeping where each value came from.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::Path;

use toml::{Table, Value};

use super::Config;
use super::keys::{KEYS, Key, Kind, suggest};
use super::validate::validate;

/// Where a configuration value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The built-in default.
    Default,
    /// A line of the configuration file.
    File {
        /// The file's path, as given.
        path: String,
        /// The line (from 1).
        line: usize,
    },
    /// An environment variable.
    Env(String),
    /// A command-line flag.
    Cli(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File { path, line } => write!(f, "{path}:{line}"),
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::Cli(flag) => write!(f, "command line {flag}"),
        }
    }
}

/// Why a configuration was refused: every problem found, each naming the key, where it was set
/// (file and line, variable or flag) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    problems: Vec<String>,
}

impl ConfigError {
    /// Each problem, one line each.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problems.join("\n"))
    }
}

impl std::error::Error for ConfigError {}

/// A loaded configuration and the origin of each value.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The effective configuration.
    pub config: Config,
    origins: BTreeMap<String, Origin>,
}

impl Loaded {
    /// Where the value of `key` (dotted: `limits.body`) came from.
    pub fn origin(&self, key: &str) -> &Origin {
        self.origins.get(key).unwrap_or(&Origin::Default)
    }

    /// The effective configuration as TOML, each value with its origin in a comment: what
    /// `rws --print-config` prints. Unset keys are listed commented out.
    pub fn describe(&self) -> String {
        let effective = Value::try_from(&self.config).unwrap_or(Value::Table(Table::new()));
        let mut out = String::new();
        for key in KEYS {
            match lookup(&effective, key.name) {
                Some(value) => {
                    let _ = writeln!(out, "{} = {value}  # {}", key.name, self.origin(key.name));
                }
                None => {
                    let _ = writeln!(out, "# {} (unset)  # {}", key.name, key.doc);
                }
            }
        }
        out
    }
}

/// Builds a [`Config`] from its layers: defaults < file < environment < command line.
#[derive(Debug, Default)]
pub struct Loader {
    file: Option<(String, String)>,
    env: Vec<(String, String)>,
    cli: Vec<(String, String, String)>,
    problems: Vec<String>,
}

impl Loader {
    /// A loader with the defaults only.
    pub fn new() -> Self {
        Loader::default()
    }

    /// Reads the TOML file at `path`; a missing or unreadable file is a problem.
    pub fn file(mut self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        match std::fs::read_to_string(path) {
            Ok(text) => self.file = Some((path.display().to_string(), text)),
            Err(e) => self.problems.push(format!(
                "{}: cannot read the configuration file: {e}",
                path.display()
            )),
        }
        self
    }

    /// Reads the TOML file at `path` if there is one.
    pub fn file_if_exists(self, path: impl AsRef<Path>) -> Self {
        if path.as_ref().exists() {
            self.file(path)
        } else {
            self
        }
    }

    /// Uses `text` as the file's contents, `name` naming it in messages.
    pub fn file_text(mut self, name: &str, text: &str) -> Self {
        self.file = Some((name.to_owned(), text.to_owned()));
        self
    }

    /// Takes the `RWS_CONFIG_*` variables of `vars` (others are ignored; `RWS_CONFIG_FILE`
    /// names the file and is not a key). An unknown `RWS_CONFIG_*` variable is a problem.
    pub fn env<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        for (name, value) in vars {
            let name = name.into();
            if name.starts_with("RWS_CONFIG_") && name != "RWS_CONFIG_FILE" {
                self.env.push((name, value.into()));
            }
        }
        self
    }

    /// Sets `key` to `value` from the command line flag `flag` (named in messages).
    pub fn set(mut self, key: &str, value: &str, flag: &str) -> Self {
        self.cli
            .push((key.to_owned(), value.to_owned(), flag.to_owned()));
        self
    }

    /// Merges the layers and checks the result; every problem is reported at once.
    pub fn load(self) -> Result<Loaded, ConfigError> {
        let Loader {
            file,
            env,
            cli,
            mut problems,
        } = self;
        let mut merged = Table::new();
        let mut origins = BTreeMap::new();

        if let Some((path, text)) = file {
            read_file(&path, &text, &mut merged, &mut origins, &mut problems);
        }
        for (var, value) in env {
            match KEYS.iter().find(|k| k.env_var() == var) {
                Some(key) => match from_text(key, &value) {
                    Ok(v) => {
                        insert(&mut merged, key.name, v);
                        origins.insert(key.name.to_owned(), Origin::Env(var));
                    }
                    Err(why) => problems.push(format!(
                        "environment variable {var}={value:?}: `{}` {why}",
                        key.name
                    )),
                },
                None => problems.push(format!(
                    "environment variable {var}: not a setting{}",
                    suggest(
                        &var.trim_start_matches("RWS_CONFIG_")
                            .to_ascii_lowercase()
                            .replace('_', ".")
                    )
                )),
            }
        }
        for (name, value, flag) in cli {
            match Key::find(&name) {
                Some(key) => match from_text(key, &value) {
                    Ok(v) => {
                        insert(&mut merged, key.name, v);
                        origins.insert(key.name.to_owned(), Origin::Cli(flag));
                    }
                    Err(why) => {
                        problems.push(format!("command line {flag} {value:?}: `{name}` {why}"));
                    }
                },
                None => problems.push(format!(
                    "command line {flag}: `{name}` is not a setting{}",
                    suggest(&name)
                )),
            }
        }
        // Every value of the wrong type is reported: each failing key is dropped (its default
        // stands in) and the rest deserialised again, so one mistake never hides the next.
        let config: Config = loop {
            match serde_path_to_error::deserialize(Value::Table(merged.clone())) {
                Ok(config) => break config,
                Err(e) => {
                    let key = e.path().to_string();
                    let origin = origins.get(&key).cloned().unwrap_or(Origin::Default);
                    problems.push(format!(
                        "{origin}: `{key}`: {}",
                        e.into_inner().message().trim()
                    ));
                    if !remove(&mut merged, &key) {
                        return Err(ConfigError { problems });
                    }
                }
            }
        };
        problems.extend(validate(&config, |key| {
            origins.get(key).cloned().unwrap_or(Origin::Default)
        }));
        if problems.is_empty() {
            Ok(Loaded { config, origins })
        } else {
            Err(ConfigError { problems })
        }
    }
}

/// Parses the file, records each key's line, and reports syntax errors and unknown keys.
fn read_file(
    path: &str,
    text: &str,
    merged: &mut Table,
    origins: &mut BTreeMap<String, Origin>,
    problems: &mut Vec<String>,
) {
    let table: Table = match text.parse() {
        Ok(table) => table,
        Err(e) => {
            let e: toml::de::Error = e;
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            problems.push(format!("{path}:{line}: {}", e.message().trim()));
            return;
        }
    };
    let mut lines = BTreeMap::new();
    if let Ok(doc) = toml::de::DeTable::parse(text) {
        spans(doc.get_ref(), "", text, &mut lines);
    }
    let mut leaves = Vec::new();
    flatten(&table, "", &mut leaves);
    for (key, value) in leaves {
        let line = lines.get(&key).copied().unwrap_or(1);
        if Key::find(&key).is_none() {
            problems.push(format!(
                "{path}:{line}: unknown key `{key}`{}",
                suggest(&key)
            ));
            continue;
        }
        insert(merged, &key, value);
        // The keys inside `[[key]]` tables, for messages about them.
        let inner = format!("{key}[");
        for (name, line) in lines.range(inner.clone()..) {
            if !name.starts_with(&inner) {
                break;
            }
            let path = path.to_owned();
            origins.insert(name.clone(), Origin::File { path, line: *line });
        }
        origins.insert(
            key,
            Origin::File {
                path: path.to_owned(),
                line,
            },
        );
    }
}

/// The line of every leaf key of a parsed document.
fn spans(
    table: &toml::de::DeTable<'_>,
    prefix: &str,
    text: &str,
    out: &mut BTreeMap<String, usize>,
) {
    for (key, value) in table {
        let name = join(prefix, key.get_ref());
        match value.get_ref() {
            toml::de::DeValue::Table(inner) => spans(inner, &name, text, out),
            // `[[proxy]]`: each table's keys as `proxy[0].path`, the table itself where it
            // starts.
            toml::de::DeValue::Array(items)
                if items
                    .iter()
                    .all(|i| matches!(i.get_ref(), toml::de::DeValue::Table(_))) =>
            {
                out.insert(name.clone(), line_of(text, key.span().start));
                for (index, item) in items.iter().enumerate() {
                    let element = format!("{name}[{index}]");
                    out.insert(element.clone(), line_of(text, item.span().start));
                    if let toml::de::DeValue::Table(inner) = item.get_ref() {
                        spans(inner, &element, text, out);
                    }
                }
            }
            _ => {
                out.insert(name, line_of(text, key.span().start));
            }
        }
    }
}

/// Every non-table value with its dotted key.
fn flatten(table: &Table, prefix: &str, out: &mut Vec<(String, Value)>) {
    for (key, value) in table {
        let name = join(prefix, key);
        match value {
            Value::Table(inner) => flatten(inner, &name, out),
            _ => out.push((name, value.clone())),
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(1, |t| t.matches('\n').count() + 1)
}

/// Sets the dotted `key` in `table`, making the tables on the way.
fn insert(table: &mut Table, key: &str, value: Value) {
    let mut table = table;
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            table.insert(part.to_owned(), value);
            return;
        }
        let entry = table
            .entry(part.to_owned())
            .or_insert_with(|| Value::Table(Table::new()));
        if !entry.is_table() {
            *entry = Value::Table(Table::new());
        }
        match entry {
            Value::Table(inner) => table = inner,
            _ => return,
        }
    }
}

/// Removes the dotted `key` from `table` (`proxy[0].retries` reaches into an array of
/// tables); whether it was there.
fn remove(table: &mut Table, key: &str) -> bool {
    let (head, rest) = match key.split_once('.') {
        Some((head, rest)) => (head, Some(rest)),
        None => (key, None),
    };
    if let Some((name, index)) = head.strip_suffix(']').and_then(|h| h.split_once('[')) {
        let Ok(index) = index.parse::<usize>() else {
            return false;
        };
        return match (table.get_mut(name), rest) {
            (Some(Value::Array(items)), None) if index < items.len() => {
                items.remove(index);
                true
            }
            (Some(Value::Array(items)), Some(rest)) => match items.get_mut(index) {
                Some(Value::Table(inner)) => remove(inner, rest),
                _ => false,
            },
            _ => false,
        };
    }
    match rest {
        None => table.remove(key).is_some(),
        Some(rest) => match table.get_mut(head) {
            Some(Value::Table(inner)) => remove(inner, rest),
            _ => false,
        },
    }
}

fn lookup<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(value, |v, part| v.get(part))
}

/// An environment or command-line string as a TOML value of the key's kind.
fn from_text(key: &Key, text: &str) -> Result<Value, String> {
    let text = text.trim();
    match key.kind {
        Kind::Text => Ok(Value::String(text.to_owned())),
        Kind::Integer => text
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| "expects an integer".to_owned()),
        Kind::Tables => Err(format!(
            "is a list of tables: write `[[{}]]` tables in the configuration file",
            key.name
        )),
        Kind::Bool => match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Value::Boolean(true)),
            "false" | "0" | "no" | "off" => Ok(Value::Boolean(false)),
            _ => Err("expects true or false".to_owned()),
        },
        Kind::List => Ok(Value::Array(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        )),
    }
}

#[cfg(test)]
mod tests;
