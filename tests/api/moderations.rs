//! `/moderations`: one text (the default model), texts and an image, several texts.

use httpmock::MockServer;

use crate::requests::{moderation_create, moderation_create_multimodal, moderation_create_texts};
use crate::support::*;

/// One flagged result (harassment and violence), with the input types each category used.
fn moderation() -> serde_json::Value {
    fixture("moderation.json")
}

#[test]
fn create_moderation_of_one_text() {
    let server = MockServer::start();
    let sent = moderation_create();
    let mock = Route::post("/moderations", sent.json).mock(&server, moderation());
    let request = sent.request;
    let client = client(&server);
    let reply = ok(&mock, client.create_moderation(&request));
    assert_eq!(reply.id, "modr-0d9740456c391e43c445bf0f010940c7");
    assert_eq!(reply.model, "omni-moderation-latest");
    let result = &reply.results[0];
    assert!(result.flagged);
    let flagged = &result.categories;
    assert!(flagged.harassment && flagged.harassment_threatening && flagged.violence);
    assert!(!flagged.hate && !flagged.sexual && !flagged.self_harm && !flagged.violence_graphic);
    assert_eq!(flagged.illicit, Some(false));
    assert_eq!(flagged.illicit_violent, Some(false));
    assert_eq!(result.category_scores.violence, 0.9999992735124786);
    assert_eq!(result.category_scores.sexual, 1.573112165348997e-6);
    assert_eq!(
        serde_json::to_value(&result.category_applied_input_types.violence).unwrap(),
        serde_json::json!(["text", "image"])
    );
    assert_eq!(result.category_applied_input_types.hate.len(), 1);
    same_as_plain(
        ok(&mock, client.create_moderation_with_response(&request)),
        &reply,
    );
    mock.assert_calls(2);
}

#[test]
fn create_moderation_of_a_text_and_an_image() {
    let server = MockServer::start();
    let sent = moderation_create_multimodal();
    let mock = Route::post("/moderations", sent.json).mock(&server, moderation());
    let reply = ok(&mock, client(&server).create_moderation(&sent.request));
    assert!(reply.results[0].flagged);
    mock.assert();
}

#[test]
fn create_moderation_of_several_texts() {
    let server = MockServer::start();
    let sent = moderation_create_texts();
    let mut two = moderation();
    let mut second = two["results"][0].clone();
    second["flagged"] = false.into();
    for category in ["harassment", "harassment/threatening", "violence"] {
        second["categories"][category] = false.into();
    }
    two["results"].as_array_mut().unwrap().push(second);
    let mock = Route::post("/moderations", sent.json).mock(&server, two);
    let reply = ok(&mock, client(&server).create_moderation(&sent.request));
    let flagged: Vec<bool> = reply.results.iter().map(|r| r.flagged).collect();
    assert_eq!(flagged, [true, false]);
    assert!(!reply.results[1].categories.violence);
    mock.assert();
}
