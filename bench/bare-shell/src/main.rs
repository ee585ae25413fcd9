//! The bare Tauri shell `cargo xtask bench app` measures CertDesk against: the same Tauri, one
//! window, a React page that calls `ready` once it has painted. Nothing else starts.

/// The page has painted: the line the benchmark waits for on stdout.
#[tauri::command]
fn ready(what: String) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "certdesk-ready {what}");
    let _ = out.flush();
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ready])
        .run(tauri::generate_context!())
        .expect("the bare shell failed to start");
}
