//! The local key lost or refused: the app asks to sign in again, forgets only what it can no longer
//! open (sessions and drafts), says so, and gets every order back from the platform.

use super::{my_form, registration, standalone_platform};
use certdesk_desk::{Desk, DeskConfig, DraftInput, LocalKey, LocalKeyNotice, SourceConfig};
use certdesk_vault::KeychainKey;
use keyring::mock::MockCredential;
use std::sync::Arc;

#[tokio::test]
async fn a_deleted_key_file_forgets_the_session_and_drafts_says_so_and_the_orders_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let platform = standalone_platform(dir.path()).await;
    let config = DeskConfig::new(dir.path().join("app"), Some(platform.url()), SourceConfig::Demo);
    assert_eq!(config.local_key, LocalKey::File(config.data_dir.join("certdesk.key")));
    let desk = Desk::start(&config).await.unwrap();
    assert_eq!(desk.info().local_key_notice, None);
    let account = desk.register(registration()).await.unwrap();
    let row = desk.submit(my_form(), None).await.unwrap();
    desk.save_draft(DraftInput { id: None, order_no: None, form: my_form(), step: 1 }).unwrap();
    desk.shutdown().await.unwrap();

    std::fs::remove_file(config.data_dir.join("certdesk.key")).unwrap();
    let desk = Desk::start(&config).await.unwrap();
    assert_eq!(desk.info().local_key_notice, Some(LocalKeyNotice::Replaced { drafts: 1, sessions: 1 }));
    assert_eq!(desk.account(), None, "asked to sign in again");
    assert_eq!(desk.log_in("supplier", "a-long-password").await.unwrap(), account);
    assert!(desk.drafts().unwrap().is_empty());
    desk.sync().await.unwrap();
    assert_eq!(desk.orders().unwrap(), vec![row], "the order is the platform's");
    desk.shutdown().await.unwrap();

    // Told once: the next start opens everything with the new key.
    let desk = Desk::start(&config).await.unwrap();
    assert_eq!(desk.info().local_key_notice, None);
    assert_eq!(desk.account(), Some(account));
}

#[tokio::test]
async fn a_refused_keychain_leaves_what_it_kept_untouched_until_access_is_allowed_again() {
    let dir = tempfile::tempdir().unwrap();
    let platform = standalone_platform(dir.path()).await;
    let keychain = Arc::new(KeychainKey::from_entry(
        keyring::Entry::new_with_credential(Box::new(MockCredential::default())),
        "CertDesk/local-data-key",
    ));
    let mut config = DeskConfig::new(dir.path().join("app"), Some(platform.url()), SourceConfig::Demo);
    config.local_key = LocalKey::Keychain(keychain.clone());
    let desk = Desk::start(&config).await.unwrap();
    let account = desk.register(registration()).await.unwrap();
    let draft = desk.save_draft(DraftInput { id: None, order_no: None, form: my_form(), step: 2 }).unwrap();
    desk.shutdown().await.unwrap();
    assert!(!config.data_dir.join("certdesk.key").exists(), "the key is in the keychain, not beside the data");

    // The user answers 拒绝 to the keychain's prompt.
    let mock: &MockCredential = keychain.entry().get_credential().downcast_ref().unwrap();
    mock.set_error(keyring::Error::NoStorageAccess("User canceled the operation.".into()));
    let desk = Desk::start(&config).await.unwrap();
    assert!(
        matches!(desk.info().local_key_notice, Some(LocalKeyNotice::Unavailable { denied: true, ref reason }) if reason.contains("canceled")),
        "{:?}",
        desk.info().local_key_notice
    );
    assert_eq!(desk.account(), None);
    desk.log_in("supplier", "a-long-password").await.unwrap();
    assert!(desk.drafts().unwrap().is_empty(), "the kept draft cannot open this run and is not offered");
    desk.shutdown().await.unwrap();

    // Access allowed again: the draft is back as typed; only this run's sign-in is forgotten.
    let desk = Desk::start(&config).await.unwrap();
    assert_eq!(desk.info().local_key_notice, Some(LocalKeyNotice::Replaced { drafts: 0, sessions: 1 }));
    assert_eq!(desk.account(), None);
    assert_eq!(desk.log_in("supplier", "a-long-password").await.unwrap(), account);
    assert_eq!(desk.drafts().unwrap().iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), [draft.id.as_str()]);
    assert_eq!(desk.draft(&draft.id).unwrap().step, 2);
}
