use crate::{spawn_platform, valid_order};
use serde_json::Value;

async fn submit_many(p: &crate::TestPlatform, n: usize) -> Vec<String> {
    let mut numbers = Vec::new();
    for i in 0..n {
        let mut form = valid_order();
        form["providerId"] = if i % 5 == 0 { "demo-free" } else { "zjhx" }.into();
        let order: Value = p.http.post(p.url("/v1/orders")).json(&form).send().await.unwrap().json().await.unwrap();
        numbers.push(order["orderNo"].as_str().unwrap().to_owned());
    }
    numbers
}

async fn list(p: &crate::TestPlatform, query: &str) -> (u16, Value) {
    let res = p.http.get(p.url(&format!("/v1/orders?{query}"))).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn numbers_of(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|o| o["orderNo"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_list_pages_ten_at_a_time_newest_first_with_the_total() {
    let p = spawn_platform().await;
    let mut numbers = submit_many(&p, 25).await;
    numbers.reverse();

    let (status, first) = list(&p, "").await;
    assert_eq!(status, 200);
    assert_eq!(
        (first["total"].as_u64(), first["page"].as_u64(), first["pageSize"].as_u64()),
        (Some(25), Some(1), Some(10))
    );
    assert_eq!(numbers_of(&first), numbers[..10]);

    let (_, third) = list(&p, "page=3").await;
    assert_eq!(numbers_of(&third), numbers[20..]);
    let (_, beyond) = list(&p, "page=9").await;
    assert!(numbers_of(&beyond).is_empty());
    assert_eq!(beyond["total"], 25);

    let (_, twenty) = list(&p, "page=2&pageSize=20").await;
    assert_eq!(numbers_of(&twenty), numbers[20..]);
}

#[tokio::test]
async fn the_list_filters_by_number_status_provider_and_date() {
    let p = spawn_platform().await;
    let numbers = submit_many(&p, 10).await;

    let (_, exact) = list(&p, &format!("orderNo={}", numbers[3])).await;
    assert_eq!(numbers_of(&exact), [numbers[3].clone()]);
    let (_, prefix) = list(&p, &format!("orderNo={}", &numbers[0][..5])).await;
    assert_eq!(prefix["total"], 10, "all were submitted within the same 10^10 ms");

    let (_, free) = list(&p, "providerId=demo-free").await;
    assert_eq!(numbers_of(&free), [numbers[5].clone(), numbers[0].clone()]);

    let (_, waiting) = list(&p, "status=pendingVerification").await;
    assert_eq!(waiting["total"], 10);
    let (_, reviewed) = list(&p, "status=pendingReview").await;
    assert_eq!(reviewed["total"], 0);

    let today = chrono::Utc::now().with_timezone(&certdesk_core::SHANGHAI).date_naive();
    let (_, today_only) = list(&p, &format!("submittedFrom={today}&submittedTo={today}")).await;
    assert_eq!(today_only["total"], 10);
    let tomorrow = today.succ_opt().unwrap();
    let (_, none) = list(&p, &format!("submittedFrom={tomorrow}")).await;
    assert_eq!(none["total"], 0);
    let (_, until_yesterday) = list(&p, &format!("submittedTo={}", today.pred_opt().unwrap())).await;
    assert_eq!(until_yesterday["total"], 0);
}

#[tokio::test]
async fn a_bad_list_query_is_refused_in_chinese() {
    let p = spawn_platform().await;
    let cases = [
        ("orderNo=15a", "订单编号只能是不超过15位的数字"),
        ("status=approvedish", "申领状态不存在"),
        ("submittedFrom=2026-02-30", "申领时间应为YYYY-MM-DD格式的日期"),
        ("submittedFrom=2026-03-02&submittedTo=2026-03-01", "申领时间的结束日期早于开始日期"),
        ("page=0", "页码从1开始，每页1至100条"),
        ("pageSize=101", "页码从1开始，每页1至100条"),
    ];
    for (query, message) in cases {
        let (status, body) = list(&p, query).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["code"], "badRequest", "{query}");
        assert_eq!(body["message"], format!("请求格式错误：{message}"), "{query}");
    }
    let (status, body) = list(&p, "page=abc").await;
    assert_eq!((status, body["code"].as_str()), (400, Some("badRequest")));
}

#[tokio::test]
async fn the_platform_serves_its_settings_and_working_day_calendar() {
    let p = spawn_platform().await;
    let settings: Value = p.http.get(p.url("/v1/settings")).send().await.unwrap().json().await.unwrap();
    assert_eq!(settings["paperDocumentsAddress"], "杭州市西湖区转塘街道鲤鱼山街鹏辉科技园1号楼政采云有限公司");
    assert_eq!(settings["maxQuantity"], 20);
    let calendar: Value = p.http.get(p.url("/v1/calendar")).send().await.unwrap().json().await.unwrap();
    assert_eq!(calendar["version"], settings["calendarVersion"]);
    let served = certdesk_core::WorkCalendar::parse(calendar["text"].as_str().unwrap()).unwrap();
    assert!(served.covers(2026));
}

#[tokio::test]
async fn a_configured_calendar_file_replaces_the_shipped_one_and_a_broken_one_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("calendar.txt");
    std::fs::write(&file, "version test-2027\nyear 2027\nholiday 2027-01-01 元旦\n").unwrap();
    let config = certdesk_platform::PlatformConfig {
        calendar: Some(file.clone()),
        database_url: crate::fresh_database(),
        ..certdesk_platform::PlatformConfig::embedded(dir.path())
    };
    let platform = certdesk_platform::Platform::start(config.clone()).await.unwrap();
    let calendar: Value = reqwest::get(format!("{}/v1/calendar", platform.url())).await.unwrap().json().await.unwrap();
    assert_eq!(calendar["version"], "test-2027");
    platform.shutdown().await.unwrap();

    std::fs::write(&file, "year 2027\n").unwrap();
    let Err(error) = certdesk_platform::Platform::start(config).await else {
        panic!("a broken calendar must stop the start")
    };
    assert!(error.to_string().contains("缺少version行"), "{error}");
}
