//! Tool resources of assistants, threads and runs: code interpreter files and the vector
//! stores file search reads, including stores created inline (`vector_stores: [{file_ids}]`).
//!
//! The generated request types have one `*ToolResources` struct per operation; they all
//! share one JSON shape, read here through serde.

use std::time::Instant;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use openai_blocking::types::*;

use super::super::http::Failure;
use super::super::store::Store;
use super::{check_files, check_vector_stores, vector_stores};

#[derive(Deserialize, Default)]
struct Requested {
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
    vector_stores: Vec<NewStore>,
}

#[derive(Deserialize)]
struct NewStore {
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
        let r: Requested = serde_json::from_value(value).unwrap_or_default();
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

/// Checks the requested resources (files and stores must exist) and creates inline stores.
pub(super) fn resolve<T: Serialize>(
    store: &mut Store,
    requested: Option<&T>,
    param: &str,
    now: Instant,
) -> Result<Resources, Failure> {
    let Some(requested) = requested else {
        return Ok(Resources::default());
    };
    let value = serde_json::to_value(requested).unwrap_or_default();
    let r: Requested = serde_json::from_value(value)
        .map_err(|e| Failure::invalid(format!("Invalid tool resources: {e}.")).param(param))?;
    let mut out = Resources::default();
    if let Some(c) = r.code_interpreter {
        check_files(
            store,
            &c.file_ids,
            &format!("{param}.code_interpreter.file_ids"),
        )?;
        out.code_files = Some(c.file_ids);
    }
    if let Some(fs) = r.file_search {
        let p = format!("{param}.file_search");
        check_vector_stores(
            store,
            &fs.vector_store_ids,
            &format!("{p}.vector_store_ids"),
        )?;
        if fs.vector_store_ids.len() + fs.vector_stores.len() > 1 {
            return Err(
                Failure::invalid("File search takes at most one vector store here.").param(p),
            );
        }
        for (i, s) in fs.vector_stores.iter().enumerate() {
            check_files(
                store,
                &s.file_ids,
                &format!("{p}.vector_stores[{i}].file_ids"),
            )?;
            vector_stores::chunking(
                s.chunking_strategy.as_ref(),
                &format!("{p}.vector_stores[{i}].chunking_strategy"),
            )?;
        }
        let mut ids = fs.vector_store_ids;
        for (i, s) in fs.vector_stores.into_iter().enumerate() {
            let chunking = vector_stores::chunking(
                s.chunking_strategy.as_ref(),
                &format!("{p}.vector_stores[{i}].chunking_strategy"),
            )?;
            let request = VectorStoreCreateRequest {
                file_ids: s.file_ids,
                metadata: s.metadata,
                ..VectorStoreCreateRequest::default()
            };
            ids.push(vector_stores::new_store(store, request, chunking, now)?);
        }
        out.vector_store_ids = Some(ids);
    }
    Ok(out)
}
