//! `/models`: the list and one model (fine-tuned ids carry colons, which are percent-encoded).

use httpmock::MockServer;
use openai_blocking::types::*;
use serde_json::json;

use crate::support::*;

fn models() -> serde_json::Value {
    fixture("models.json")
}

#[test]
fn get_models_lists_every_model() {
    let server = MockServer::start();
    let mock = Route::get("/models").mock(&server, models());
    let client = client(&server);
    let list = ok(&mock, client.get_models());
    assert_eq!(list.object, ModelListResponseObject::List);
    let ids: Vec<(&str, &str)> = list
        .data
        .iter()
        .map(|m| (m.id.as_str(), m.owned_by.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            ("gpt-4o-mini", "system"),
            ("text-embedding-3-small", "system"),
            (
                "ft:gpt-4o-mini-2024-07-18:acme:returns:9XyZ1aBc",
                "acme-org"
            ),
        ]
    );
    assert_eq!(list.data[0].created, 1_721_172_741);
    assert_eq!(list.data[0].object, ModelResponseObject::Model);
    assert_eq!(list.data[0].shutdown_date, None);
    same_as_plain(ok(&mock, client.get_models_with_response()), &list);
    mock.assert_calls(2);
}

#[test]
fn get_model_by_id() {
    let server = MockServer::start();
    let model = models()["data"][0].clone();
    let mock = Route::get("/models/gpt-4o-mini").mock(&server, model);
    let client = client(&server);
    let got = ok(&mock, client.get_model("gpt-4o-mini"));
    assert_eq!(got.id, "gpt-4o-mini");
    assert_eq!(got.owned_by, "system");
    same_as_plain(
        ok(&mock, client.get_model_with_response("gpt-4o-mini")),
        &got,
    );
    mock.assert_calls(2);
}

#[test]
fn a_fine_tuned_model_id_is_percent_encoded() {
    let server = MockServer::start();
    let id = "ft:gpt-4o-mini-2024-07-18:acme:returns:9XyZ1aBc";
    let mut model = models()["data"][2].clone();
    model["shutdown_date"] = json!("2026-12-31");
    let mock = Route::get("/models/ft%3Agpt-4o-mini-2024-07-18%3Aacme%3Areturns%3A9XyZ1aBc")
        .mock(&server, model);
    let odd =
        Route::get(format!("/models/{ODD_ID_ENCODED}")).mock(&server, models()["data"][0].clone());
    let client = client(&server);
    let got = ok(&mock, client.get_model(id));
    assert_eq!(got.id, id);
    assert_eq!(got.shutdown_date.as_deref(), Some("2026-12-31"));
    ok(&odd, client.get_model(ODD_ID));
    mock.assert();
    odd.assert();
}

#[test]
fn an_empty_model_id_is_rejected_before_sending() {
    let server = MockServer::start();
    let any = catch_all(&server);
    let client = client(&server);
    invalid_argument("model", client.get_model(""));
    invalid_argument("model", client.get_model_with_response(" "));
    any.assert_calls(0);
}
