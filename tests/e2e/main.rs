//! The SDK end to end against the local engine (`openai-local`): every call goes through
//! `OpenAIClient` (its waiting helpers, iterators and error mapping) to a `LocalServer` on
//! loopback. What the engine itself does is tested in its own crate.

mod flows;
mod readme;
mod streaming;
mod support;
