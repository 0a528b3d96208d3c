//! The browser half: the frontend crate compiled to wasm, its JavaScript glue from
//! wasm-bindgen's library, and for optimised builds Binaryen's `wasm-opt`.
use crate::{cargo, run, step, Kind, Paths, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use wasm_bindgen_cli_support::Bindgen;

/// wasm-opt flags. Debian's Binaryen (version 108) must be told every feature rustc's wasm
/// target uses: left to guess, it mangled the reference-typed function table wasm-bindgen
/// builds ("WebAssembly.Table.set(): Argument 1 is invalid for table" in Chromium).
/// `REWIND_WASM_OPT_FLAGS` replaces them (space-separated), for measurements.
const WASM_OPT_FLAGS: &[&str] = &[
    "-Oz",
    "--enable-reference-types",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
];

/// The generated files, ready to be named and published.
pub struct Bundle {
    pub js: Vec<u8>,
    pub wasm: Vec<u8>,
    /// JavaScript snippets (`#[wasm_bindgen(module = ...)]`), imported relative to the glue.
    pub snippets: Option<PathBuf>,
}

pub fn build(kind: Kind, paths: &Paths) -> Result<Bundle> {
    step("wasm (cargo build -p frontend --target wasm32-unknown-unknown)");
    let mut command = cargo(paths);
    command
        .args(["build", "-p", "frontend", "--lib", "--target"])
        .arg("wasm32-unknown-unknown");
    let profile = if kind.optimised_wasm() {
        command.args(["--profile", "wasm-release"]);
        "wasm-release"
    } else {
        "debug"
    };
    run(&mut command)?;
    let input = paths
        .artifacts
        .join("wasm32-unknown-unknown")
        .join(profile)
        .join("frontend.wasm");

    step("wasm-bindgen");
    let out = paths.dist.join("bindgen");
    let _ = std::fs::remove_dir_all(&out);
    Bindgen::new()
        .input_path(&input)
        .out_name("rewind")
        .web(true)
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?
        .typescript(false)
        .remove_name_section(kind.optimised_wasm())
        .remove_producers_section(kind.optimised_wasm())
        .generate(&out)
        .map_err(|e| format!("wasm-bindgen on {}: {e:#}", input.display()))?;
    let wasm = out.join("rewind_bg.wasm");
    if kind.optimised_wasm() {
        wasm_opt(&wasm)?;
    }
    let read = |path: &Path| std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()));
    let snippets = out.join("snippets");
    Ok(Bundle {
        js: read(&out.join("rewind.js"))?,
        wasm: read(&wasm)?,
        snippets: snippets.is_dir().then_some(snippets),
    })
}

/// Optimises the module for size in place; skipped with a note when wasm-opt is missing.
fn wasm_opt(wasm: &Path) -> Result {
    if Command::new("wasm-opt").arg("--version").output().is_err() {
        println!(
            "    note: wasm-opt not found (apt-get install binaryen): the wasm stays unoptimised"
        );
        return Ok(());
    }
    let flags: Vec<String> = match std::env::var("REWIND_WASM_OPT_FLAGS") {
        Ok(flags) => flags.split_whitespace().map(String::from).collect(),
        Err(_) => WASM_OPT_FLAGS.iter().map(|f| f.to_string()).collect(),
    };
    step(&format!("wasm-opt {}", flags.join(" ")));
    let before = std::fs::metadata(wasm).map(|m| m.len()).unwrap_or_default();
    run(Command::new("wasm-opt")
        .args(&flags)
        .arg(wasm)
        .arg("-o")
        .arg(wasm))?;
    let after = std::fs::metadata(wasm).map(|m| m.len()).unwrap_or_default();
    println!("    {before} -> {after} bytes");
    Ok(())
}
