//! Tool resources of assistants, threads and runs: code interpreter files and the vector
//! stores file search reads, including stores created inline (`vector_stores: [{file_ids}]`).
//!
//! The generated request types have one `*ToolResources` struct per operation; they all
//! share one JSON shape, read here through serde.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use openai_blocking::types::*;

use super::super::clock::Now;
use super::super::http::Failure;
use super::super::store::Store;
use super::indexing::{Indexes, Jobs};
use super::vector_stores::NewStore;
use super::{check_files, check_vector_stores};

#[derive(Deserialize, Default)]
struct RequestShape {
    code_interpreter: Option<CodeFiles>,
    file_search: Option<SearchStores>,
}

#[derive(Deserialize)]
struct CodeFiles {
    #[serde(default)]
    file_ids: Vec<String>,
}

#[derive(Deserialize)]
struct SearchStores {
    #[serde(default)]
    vector_store_ids: Vec<String>,
    #[serde(default)]
    vector_stores: Vec<InlineStore>,
}

#[derive(Deserialize)]
struct InlineStore {
    #[serde(default)]
    file_ids: Vec<String>,
    chunking_strategy: Option<ChunkingStrategyRequestParam>,
    metadata: Option<Metadata>,
}

/// Tool resources with inline stores created: `None` for a tool left out of the request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Resources {
    pub code_files: Option<Vec<String>>,
    pub vector_store_ids: Option<Vec<String>>,
}

impl Resources {
    /// The resources as one of the generated response types.
    pub fn to_response<T: DeserializeOwned>(&self) -> Option<T> {
        let mut out = serde_json::Map::new();
        if let Some(files) = &self.code_files {
            out.insert(
                "code_interpreter".into(),
                serde_json::json!({ "file_ids": files }),
            );
        }
        if let Some(ids) = &self.vector_store_ids {
            out.insert(
                "file_search".into(),
                serde_json::json!({ "vector_store_ids": ids }),
            );
        }
        serde_json::from_value(serde_json::Value::Object(out)).ok()
    }

    /// Reads resources back from a response type.
    pub fn from_response<T: Serialize>(stored: Option<&T>) -> Self {
        let value = serde_json::to_value(stored).unwrap_or_default();
        let r: RequestShape = serde_json::from_value(value).unwrap_or_default();
        Self {
            code_files: r.code_interpreter.map(|c| c.file_ids),
            vector_store_ids: r.file_search.map(|f| f.vector_store_ids),
        }
    }

    /// These resources with the tools given in `newer` replaced.
    pub fn merged(mut self, newer: Resources) -> Self {
        if newer.code_files.is_some() {
            self.code_files = newer.code_files;
        }
        if newer.vector_store_ids.is_some() {
            self.vector_store_ids = newer.vector_store_ids;
        }
        self
    }
}

/// Requested tool resources, checked for shape; inline stores are created by
/// [`Requested::apply`].
#[derive(Default)]
pub(super) struct Requested {
    code_files: Option<(Vec<String>, String)>,
    vector_store_ids: Option<(Vec<String>, String)>,
    new_stores: Vec<NewStore>,
}

/// Reads the resources of a request (any of the generated `*ToolResources` types) and checks
/// their shape; `param` names them in errors.
pub(super) fn parse<T: Serialize>(
    requested: Option<&T>,
    param: &str,
) -> Result<Requested, Failure> {
    let Some(requested) = requested else {
        return Ok(Requested::default());
    };
    let value = serde_json::to_value(requested).unwrap_or_default();
    let r: RequestShape = serde_json::from_value(value)
        .map_err(|e| Failure::invalid(format!("Invalid tool resources: {e}.")).param(param))?;
    let mut out = Requested::default();
    if let Some(c) = r.code_interpreter {
        out.code_files = Some((c.file_ids, format!("{param}.code_interpreter.file_ids")));
    }
    if let Some(fs) = r.file_search {
        let p = format!("{param}.file_search");
        if fs.vector_store_ids.len() + fs.vector_stores.len() > 1 {
            return Err(
                Failure::invalid("File search takes at most one vector store here.").param(p),
            );
        }
        for (i, s) in fs.vector_stores.into_iter().enumerate() {
            let request = VectorStoreCreateRequest {
                file_ids: Some(s.file_ids),
                metadata: s.metadata,
                chunking_strategy: s.chunking_strategy,
                ..VectorStoreCreateRequest::default()
            };
            out.new_stores.push(NewStore::parse(
                request,
                &format!("{p}.vector_stores[{i}]."),
            )?);
        }
        out.vector_store_ids = Some((fs.vector_store_ids, format!("{p}.vector_store_ids")));
    }
    Ok(out)
}

impl Requested {
    /// Checks that the files and vector stores named exist; the files of inline stores go to
    /// `jobs`.
    pub fn check(&self, store: &Store, jobs: &mut Jobs) -> Result<(), Failure> {
        if let Some((files, param)) = &self.code_files {
            check_files(store, files, param)?;
        }
        if let Some((ids, param)) = &self.vector_store_ids {
            check_vector_stores(store, ids, param)?;
        }
        for s in &self.new_stores {
            s.check(store, jobs)?;
        }
        Ok(())
    }

    /// Creates the inline stores (checked, their files indexed); returns the resources.
    pub fn apply(self, store: &mut Store, indexes: &Indexes, now: Now) -> Resources {
        let mut out = Resources {
            code_files: self.code_files.map(|(files, _)| files),
            vector_store_ids: self.vector_store_ids.map(|(ids, _)| ids),
        };
        for s in self.new_stores {
            let id = s.create(store, indexes, now).id;
            out.vector_store_ids.get_or_insert_with(Vec::new).push(id);
        }
        out
    }
}
