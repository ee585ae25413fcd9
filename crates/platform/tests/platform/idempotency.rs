use crate::{spawn_platform, valid_order};
use certdesk_api::IDEMPOTENCY_KEY;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

#[tokio::test]
async fn a_hundred_parallel_submits_with_repeated_keys_make_one_order_per_key() {
    let p = spawn_platform().await;
    // 50 keys, each sent twice at once, and 20 submits without a key.
    let mut requests: Vec<Option<String>> =
        (0..50).flat_map(|i| [Some(format!("key-{i}")), Some(format!("key-{i}"))]).collect();
    requests.extend((0..20).map(|_| None));
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|key| {
            let http = p.http.clone();
            let url = p.url("/v1/orders");
            tokio::spawn(async move {
                let mut request = http.post(url).json(&valid_order());
                if let Some(key) = &key {
                    request = request.header(IDEMPOTENCY_KEY, key);
                }
                let res = request.send().await.unwrap();
                let status = res.status().as_u16();
                (key, status, res.json::<Value>().await.unwrap()["orderNo"].as_str().unwrap().to_owned())
            })
        })
        .collect();

    let mut by_key: HashMap<String, HashSet<String>> = HashMap::new();
    let mut unkeyed = HashSet::new();
    let (mut created, mut replayed) = (0, 0);
    for task in tasks {
        let (key, status, number) = task.await.unwrap();
        match status {
            201 => created += 1,
            200 => replayed += 1,
            other => panic!("unexpected status {other}"),
        }
        match key {
            Some(key) => {
                by_key.entry(key).or_default().insert(number);
            }
            None => assert!(unkeyed.insert(number)),
        }
    }
    assert_eq!((created, replayed), (70, 50));
    assert_eq!(by_key.len(), 50);
    assert!(by_key.values().all(|numbers| numbers.len() == 1), "both sends of a key got the same order");
    let listed: Value = p.http.get(p.url("/v1/orders?pageSize=100")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["total"], 70, "no order lost, none duplicated");
}

#[tokio::test]
async fn a_key_reused_for_a_different_application_is_refused() {
    let p = spawn_platform().await;
    let send = |form: Value| p.http.post(p.url("/v1/orders")).header(IDEMPOTENCY_KEY, "same-key").json(&form).send();
    assert_eq!(send(valid_order()).await.unwrap().status(), 201);
    let mut other = valid_order();
    other["quantity"] = 3.into();
    let res = send(other).await.unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "该Idempotency-Key已用于另一份申领");
    let res = p.http.post(p.url("/v1/orders")).header(IDEMPOTENCY_KEY, "").json(&valid_order()).send().await.unwrap();
    assert_eq!(res.status(), 400);
}
