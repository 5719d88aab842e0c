//! Rebuilds the crate when a migration is added (the `migrate!` macro embeds the folder).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
