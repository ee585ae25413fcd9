//! Staff accounts (审核, 制证, 现场办理, admin): who they are and which process steps their roles allow.

use crate::sessions::{self, SessionKind};
use crate::store::{AuditRecord, ByStaff, Conn, Db, params};
use crate::{PlatformError, Result};
use certdesk_api::{AuditAction, NewStaffMember, StaffMemberView, StaffRole, StaffSession};
use certdesk_core::Actor;
use chrono::{DateTime, Utc};
use std::path::Path;

/// A staff account to create (`certdesk-platform staff add`).
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<StaffRole>,
}

/// The staff member behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: i64,
    pub display_name: String,
    pub roles: Vec<StaffRole>,
}

impl StaffMember {
    /// The role in which this member causes an event: the first of their roles the process allows.
    pub fn actor_for(&self, event: &certdesk_core::OrderEvent) -> Option<Actor> {
        self.roles.iter().filter_map(|role| role_actor(*role)).find(|actor| event.permitted(*actor))
    }
}

fn role_actor(role: StaffRole) -> Option<Actor> {
    match role {
        StaffRole::Reviewer => Some(Actor::Reviewer),
        StaffRole::Producer => Some(Actor::Producer),
        StaffRole::Counter => Some(Actor::Counter),
        StaffRole::Admin => None,
    }
}

fn role_name(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Reviewer => "reviewer",
        StaffRole::Producer => "producer",
        StaffRole::Counter => "counter",
        StaffRole::Admin => "admin",
    }
}

/// `reviewer,counter` → roles; unknown names are refused.
pub fn parse_roles(text: &str) -> Result<Vec<StaffRole>> {
    let mut roles = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let role = match name {
            "reviewer" => StaffRole::Reviewer,
            "producer" => StaffRole::Producer,
            "counter" => StaffRole::Counter,
            "admin" => StaffRole::Admin,
            other => {
                return Err(PlatformError::BadRequest(format!(
                    "未知角色“{other}”（可用：reviewer, producer, counter, admin）"
                )));
            }
        };
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    if roles.is_empty() {
        return Err(PlatformError::BadRequest("至少需要一个角色".into()));
    }
    Ok(roles)
}

fn roles_text(roles: &[StaffRole]) -> String {
    roles.iter().map(|r| role_name(*r)).collect::<Vec<_>>().join(",")
}

/// Creates a staff account in the platform's database: the PostgreSQL one `database_url` names,
/// or else the SQLite file under `data_dir` (the platform may be running). Callable from anywhere,
/// an async test included: the database is opened on a thread and runtime of its own.
pub fn add_staff(data_dir: &Path, database_url: Option<&str>, staff: &NewStaff) -> Result<i64> {
    std::fs::create_dir_all(data_dir)?;
    crate::store::outside_runtime(|| {
        let db = Db::open(database_url, &data_dir.join("platform.db"))?;
        add_staff_to(&db, staff)
    })
}

pub(crate) fn add_staff_to(db: &Db, staff: &NewStaff) -> Result<i64> {
    let username = sessions::check_username(&staff.username)?;
    sessions::check_password_strength(&staff.password)?;
    if staff.roles.is_empty() {
        return Err(PlatformError::BadRequest("至少需要一个角色".into()));
    }
    let hash = sessions::hash_password(&staff.password)?;
    db.write(|conn| {
        let inserted = conn.query_one(
            "INSERT INTO staff (username, display_name, password_hash, roles, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             RETURNING id",
            params![username, staff.display_name.trim(), hash, roles_text(&staff.roles), Utc::now().to_rfc3339()],
            |r| r.get(0),
        );
        match inserted {
            Err(e) if e.is_unique_violation() => Err(PlatformError::Conflict(format!("用户名“{username}”已存在"))),
            other => other,
        }
    })
}

/// A staff account the platform seeds with its demo data (`demo_data = true`): the embedded
/// platform's staff, so one computer can walk an order through 审核, 制证 and 发证.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoStaff {
    pub username: &'static str,
    pub display_name: &'static str,
    pub roles: &'static [StaffRole],
}

/// The demo staff: one per role, and a 综合窗口 with every role.
pub const DEMO_STAFF: &[DemoStaff] = &[
    DemoStaff { username: "demo-reviewer", display_name: "演示审核员", roles: &[StaffRole::Reviewer] },
    DemoStaff { username: "demo-producer", display_name: "演示制证员", roles: &[StaffRole::Producer] },
    DemoStaff { username: "demo-counter", display_name: "演示窗口员", roles: &[StaffRole::Counter] },
    DemoStaff { username: "demo-admin", display_name: "演示管理员", roles: &[StaffRole::Admin] },
    DemoStaff {
        username: "demo-desk",
        display_name: "综合窗口（演示）",
        roles: &[StaffRole::Reviewer, StaffRole::Producer, StaffRole::Counter, StaffRole::Admin],
    },
];

/// The demo staff's password: shown on the app's 员工登录 form. Demo data is refused anywhere but
/// loopback unless the configuration says the platform is a demo on purpose (`public_demo`).
pub const DEMO_STAFF_PASSWORD: &str = "certdesk-demo";

/// Seeds the demo staff that are missing (an account someone changed is left as it is).
pub(crate) fn seed_demo(db: &Db, now: DateTime<Utc>) -> Result<()> {
    // One hash for all of them, once per process: argon2 is slow by design.
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let missing: Vec<&DemoStaff> = db.read(|conn| {
        let mut missing = Vec::new();
        for demo in DEMO_STAFF {
            let exists: bool = conn.query_one(
                "SELECT EXISTS (SELECT 1 FROM staff WHERE username = ?1)",
                params![demo.username],
                |r| r.get(0),
            )?;
            if !exists {
                missing.push(demo);
            }
        }
        Ok(missing)
    })?;
    if missing.is_empty() {
        return Ok(());
    }
    let hash = HASH.get_or_init(|| sessions::hash_password(DEMO_STAFF_PASSWORD).unwrap_or_default());
    if hash.is_empty() {
        return Err(PlatformError::Internal("the demo staff's password could not be hashed".into()));
    }
    db.write(|conn| {
        for demo in &missing {
            conn.execute(
                "INSERT INTO staff (username, display_name, password_hash, roles, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT DO NOTHING",
                params![demo.username, demo.display_name, hash, roles_text(demo.roles), now.to_rfc3339()],
            )?;
        }
        Ok(())
    })
}

/// Checks the password and opens a session. Unknown user and wrong password get the same answer.
/// Both the log-in and a refused one go to the 操作日志, with the client's address.
pub(crate) fn log_in(
    db: &Db,
    username: &str,
    password: &str,
    client: std::net::IpAddr,
    now: DateTime<Utc>,
) -> Result<StaffSession> {
    let attempt = sessions::Attempt { kind: SessionKind::Staff, username, client };
    let result = sessions::throttled(db, &attempt, now, || {
        let found: Option<(i64, String, String, String, bool)> = db.read(|conn| {
            conn.query_opt(
                "SELECT id, display_name, password_hash, roles, disabled FROM staff WHERE username = ?1",
                params![username.trim()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
        })?;
        let (id, display_name, _, roles, disabled) =
            sessions::verify_password(found, |(_, _, hash, _, _)| hash, password)?;
        // Only after the password: the answer tells a guesser nothing about the account.
        if disabled {
            return Err(PlatformError::Unauthorized(DISABLED.into()));
        }
        let (token, expires) = sessions::open(db, SessionKind::Staff, id, now)?;
        Ok((id, StaffSession { token, expires_at: expires, display_name, roles: parse_roles(&roles)? }))
    });
    let client = client.to_string();
    let record =
        AuditRecord { username: Some(username), client: Some(&client), ..AuditRecord::new(AuditAction::LogIn, None) };
    match result {
        Ok((id, session)) => {
            let by = ByStaff { id, name: &session.display_name };
            db.record_audit(&AuditRecord { staff: Some(by), ..record }, now)?;
            Ok(session)
        }
        Err(refused @ (PlatformError::Unauthorized(_) | PlatformError::TooManyRequests(_))) => {
            let reason = refused.to_string();
            db.record_audit(&AuditRecord { action: AuditAction::LogInFailed, detail: Some(&reason), ..record }, now)?;
            Err(refused)
        }
        Err(other) => Err(other),
    }
}

/// The staff member whose session `token` is, if it has not expired.
pub(crate) fn authenticate(db: &Db, token: &str, now: DateTime<Utc>) -> Result<StaffMember> {
    db.read(|conn| {
        let id = sessions::subject(conn, token, SessionKind::Staff, now)?;
        member_on(conn, id)
    })
}

/// The staff member `id`, read on `conn`; a disabled member is refused (their sessions ended
/// when they were disabled, and this holds even for one that slipped through).
pub(crate) fn member_on(conn: &Conn<'_>, id: i64) -> Result<StaffMember> {
    let (display_name, roles, disabled): (String, String, bool) =
        conn.query_one("SELECT display_name, roles, disabled FROM staff WHERE id = ?1", params![id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if disabled {
        return Err(PlatformError::Unauthorized(DISABLED.into()));
    }
    Ok(StaffMember { id, display_name, roles: parse_roles(&roles)? })
}

const DISABLED: &str = "该员工账号已停用，请联系管理员";

// 管理: staff accounts. Every change that takes access away ends the member's sessions in the same
// transaction, so it holds at once on every instance.

fn member_view_on(conn: &Conn<'_>, id: i64) -> Result<StaffMemberView> {
    conn.query_opt(
        "SELECT id, username, display_name, roles, disabled, created_at FROM staff WHERE id = ?1",
        params![id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<String>(3)?, r.get(4)?, r.get(5)?)),
    )?
    .ok_or_else(|| PlatformError::NotFound("员工账号不存在".into()))
    .and_then(|(id, username, display_name, roles, disabled, created_at)| {
        Ok(StaffMemberView { id, username, display_name, roles: parse_roles(&roles)?, disabled, created_at })
    })
}

/// Every staff account, by username.
pub(crate) fn members(db: &Db) -> Result<Vec<StaffMemberView>> {
    db.read(|conn| {
        let ids: Vec<i64> = conn.query_map("SELECT id FROM staff ORDER BY username", params![], |r| r.get(0))?;
        ids.into_iter().map(|id| member_view_on(conn, id)).collect()
    })
}

pub(crate) fn create_member(db: &Db, new: &NewStaffMember) -> Result<StaffMemberView> {
    let staff = NewStaff {
        username: new.username.clone(),
        display_name: new.display_name.clone(),
        password: new.password.clone(),
        roles: new.roles.clone(),
    };
    let id = add_staff_to(db, &staff)?;
    db.read(|conn| member_view_on(conn, id))
}

fn end_sessions(conn: &Conn<'_>, id: i64) -> Result<()> {
    conn.execute("DELETE FROM sessions WHERE kind = 'staff' AND subject_id = ?1", params![id])?;
    Ok(())
}

/// Sets `id`'s roles; an administrator cannot take 管理 from themselves (nobody would be left to
/// give it back).
pub(crate) fn set_roles(db: &Db, acting: i64, id: i64, roles: &[StaffRole]) -> Result<StaffMemberView> {
    if roles.is_empty() {
        return Err(PlatformError::BadRequest("至少需要一个角色".into()));
    }
    if acting == id && !roles.contains(&StaffRole::Admin) {
        return Err(PlatformError::Conflict("不能取消自己的管理角色".into()));
    }
    let text = roles_text(&dedup(roles));
    db.write(|conn| {
        if conn.execute("UPDATE staff SET roles = ?1 WHERE id = ?2", params![text.as_str(), id])? == 0 {
            return Err(PlatformError::NotFound("员工账号不存在".into()));
        }
        member_view_on(conn, id)
    })
}

/// 停用 (their sessions end at once) or 启用 a member; nobody disables themselves.
pub(crate) fn set_disabled(db: &Db, acting: i64, id: i64, disabled: bool) -> Result<StaffMemberView> {
    if acting == id && disabled {
        return Err(PlatformError::Conflict("不能停用自己的账号".into()));
    }
    db.write(|conn| {
        if conn.execute("UPDATE staff SET disabled = ?1 WHERE id = ?2", params![disabled, id])? == 0 {
            return Err(PlatformError::NotFound("员工账号不存在".into()));
        }
        if disabled {
            end_sessions(conn, id)?;
        }
        member_view_on(conn, id)
    })
}

/// 重置密码: a new password; the member's sessions end, so whoever knew the old one is out.
pub(crate) fn reset_password(db: &Db, id: i64, password: &str) -> Result<StaffMemberView> {
    sessions::check_password_strength(password)?;
    let hash = sessions::hash_password(password)?;
    db.write(|conn| {
        if conn.execute("UPDATE staff SET password_hash = ?1 WHERE id = ?2", params![hash.as_str(), id])? == 0 {
            return Err(PlatformError::NotFound("员工账号不存在".into()));
        }
        end_sessions(conn, id)?;
        member_view_on(conn, id)
    })
}

fn dedup(roles: &[StaffRole]) -> Vec<StaffRole> {
    let mut unique = Vec::new();
    for role in roles {
        if !unique.contains(role) {
            unique.push(*role);
        }
    }
    unique
}

#[cfg(test)]
mod tests {
    use super::*;
    use certdesk_core::OrderEvent;

    #[test]
    fn a_member_acts_in_the_first_role_that_the_process_allows() {
        let member =
            StaffMember { id: 1, display_name: "王审核".into(), roles: vec![StaffRole::Admin, StaffRole::Counter] };
        assert_eq!(member.actor_for(&OrderEvent::Approved), Some(Actor::Counter));
        assert_eq!(member.actor_for(&OrderEvent::IssuedOnSite), Some(Actor::Counter));
        let producer = StaffMember { id: 2, display_name: "李制证".into(), roles: vec![StaffRole::Producer] };
        assert_eq!(producer.actor_for(&OrderEvent::Approved), None);
    }

    #[test]
    fn roles_parse_from_a_comma_list_and_unknown_ones_are_refused() {
        assert_eq!(parse_roles("reviewer, counter,reviewer").unwrap(), [StaffRole::Reviewer, StaffRole::Counter]);
        assert!(parse_roles("boss").unwrap_err().to_string().contains("未知角色“boss”"));
        assert!(parse_roles(" , ").is_err());
    }
}
