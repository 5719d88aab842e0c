//! The `kefu` binary as an operator uses it: subcommands, configuration errors, serving, and
//! graceful shutdown on SIGTERM.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kefu");

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("kefu-cli-{tag}-{}", kefu_core::id::new_id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn kefu(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(BIN);
    c.args(args)
        .current_dir(dir)
        .env_remove("KEFU_DATABASE_URL");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn migrate_and_admin_create_work_on_the_embedded_default() {
    let dir = temp_dir("admin");
    let out = kefu(&dir, &["migrate"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("kefu-data/kefu.db").exists());
    let out = kefu(
        &dir,
        &[
            "admin",
            "create",
            "--email",
            "boss@shop.com",
            "--name",
            "老板",
        ],
        &[],
    );
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("password: "),
        "a generated password is printed: {stdout}"
    );
    let out = kefu(
        &dir,
        &["admin", "create", "--email", "boss@shop.com", "--name", "x"],
        &[],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists"));
    let out = kefu(
        &dir,
        &["admin", "create", "--email", "x@shop.com", "--name", "x"],
        &[("KEFU_ADMIN_PASSWORD", "short")],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("KEFU_ADMIN_PASSWORD"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn search_reindex_builds_the_index_from_the_database() {
    let dir = temp_dir("reindex");
    let out = kefu(&dir, &["search", "reindex"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("search index rebuilt"), "{stdout}");
    assert!(dir.join("kefu-data/index/meta.json").exists());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn kb_import_and_export_work_from_the_command_line() {
    let dir = temp_dir("kb");
    std::fs::write(
        dir.join("faq.csv"),
        "category,slug,title_zh,body_zh\r\norders,track,如何查询物流,\"在订单页查看，\n即可。\"\r\n",
    )
    .unwrap();
    let out = kefu(&dir, &["kb", "import", "faq.csv"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 new"), "{stdout}");
    let out = kefu(&dir, &["kb", "export", "out"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(dir.join("out/orders/track.zh.md")).unwrap();
    assert!(
        md.contains("title: \"如何查询物流\"") && md.contains("在订单页查看，\n即可。"),
        "{md}"
    );
    let out = kefu(&dir, &["kb", "import", "out"], &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 unchanged"));
    let out = kefu(&dir, &["kb", "import", "missing-folder"], &[]);
    assert!(!out.status.success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_bad_configuration_stops_start_up_naming_the_key() {
    let dir = temp_dir("badcfg");
    let out = kefu(
        &dir,
        &["serve"],
        &[("KEFU_SECURITY_SESSION_IDLE_HOURS", "forever")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("security.session_idle_hours"));
    std::fs::write(
        dir.join("kefu.toml"),
        "[database]\nsqlite_synchronous = \"sometimes\"\n",
    )
    .unwrap();
    let out = kefu(&dir, &["serve"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("database.sqlite_synchronous"));
    assert!(
        !dir.join("kefu-data").exists(),
        "nothing is created before the configuration is valid"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn config_example_and_openapi_print_what_is_committed() {
    let dir = temp_dir("print");
    let out = kefu(&dir, &["config", "example"], &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("[smtp]"));
    let out = kefu(&dir, &["openapi"], &[]);
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json"))
            .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        committed.trim()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Starts `kefu serve` on a free port; returns the child and the address it printed.
fn serve(dir: &std::path::Path) -> (Child, String, String) {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .current_dir(dir)
        .env_remove("KEFU_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let mut rest = String::new();
    for _ in 0..2 {
        rest.push_str(&lines.next().unwrap().unwrap());
        rest.push('\n');
    }
    (child, addr, rest)
}

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => panic!("reading {path} after {} bytes: {e}", out.len()),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn serve_prints_the_setup_code_answers_health_and_stops_gracefully() {
    let dir = temp_dir("serve");
    let (mut child, addr, printed) = serve(&dir);
    assert!(printed.contains("set-up code"), "{printed}");
    assert!(dir.join("kefu-data/uploads").is_dir() && dir.join("kefu-data/index").is_dir());
    assert!(get(&addr, "/healthz").starts_with("HTTP/1.1 200"));

    // A request in flight when SIGTERM arrives still gets its answer.
    let mut slow = TcpStream::connect(&addr).unwrap();
    let body = "email=a%40b.com&password=x&_csrf=abc";
    write!(
        slow,
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nCookie: kefu_csrf=abcabcabcabcabcabcabcabc\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    slow.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(200));
    slow.write_all(&body.as_bytes()[10..]).unwrap();
    let mut answer = String::new();
    slow.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 403"),
        "the in-flight request was answered: {answer:?}"
    );

    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "kefu did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    // New connections are refused once it stopped.
    assert!(TcpStream::connect(&addr).is_err());
    std::fs::remove_dir_all(dir).unwrap();
}
