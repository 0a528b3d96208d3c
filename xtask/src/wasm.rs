//! The browser half: the frontend crate compiled to wasm, its JavaScript glue from
//! wasm-bindgen's library, and for optimised builds Binaryen's `wasm-opt`.
use crate::{add_rustflags, cargo, run, step, Kind, Paths, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use wasm_bindgen_cli_support::Bindgen;

/// wasm-opt flags (`REWIND_WASM_OPT_FLAGS` replaces them, space-separated, for measurements).
/// `-O1`: of -O1, -O2, -Os and -Oz it gave the smallest compressed module, which is what the
/// browser downloads; -Os and -Oz shrink the raw module more but make it compress worse
/// (measurements in README.md). The features are the ones rustc's wasm target uses.
const WASM_OPT_FLAGS: &[&str] = &[
    "-O1",
    "--enable-reference-types",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
];

/// Rust flags of the optimised wasm build. Debian's Binaryen (wasm-opt 108) breaks the
/// externref table wasm-bindgen adds to a module compiled with reference types — even a
/// plain read and write without any pass does: Chromium then fails with
/// "WebAssembly.Table.set(): Argument 1 is invalid for table". Without the feature
/// wasm-bindgen keeps JavaScript objects in a JavaScript array instead, and wasm-opt's output
/// works. The prebuilt standard library still lists the feature in the module's
/// `target_features` section, from which wasm-bindgen would choose externrefs again: the
/// section is dropped before wasm-bindgen reads the module. Debug builds keep the default
/// (no wasm-opt there).
const OPTIMISED_RUSTFLAGS: &[&str] = &["-C", "target-feature=-reference-types"];

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
        add_rustflags(&mut command, OPTIMISED_RUSTFLAGS);
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
    let mut module = std::fs::read(&input).map_err(|e| format!("{}: {e}", input.display()))?;
    if kind.optimised_wasm() {
        module = without_custom_section(&module, "target_features")?;
    }
    Bindgen::new()
        .input_bytes("rewind", module)
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

/// The module with the named custom sections left out. A module is an 8-byte header and
/// sections of `id: u8, size: LEB128 u32, payload`; a custom section (id 0) starts its
/// payload with its name (`length: LEB128 u32, UTF-8`).
fn without_custom_section(module: &[u8], name: &str) -> Result<Vec<u8>> {
    fn leb128(bytes: &[u8], at: &mut usize) -> Option<usize> {
        let mut value = 0usize;
        for shift in (0..35).step_by(7) {
            let byte = *bytes.get(*at)?;
            *at += 1;
            value |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
    let broken = || "the wasm module is malformed".to_string();
    let header = module.get(..8).ok_or_else(broken)?;
    let mut out = header.to_vec();
    let mut at = 8;
    while at < module.len() {
        let start = at;
        let id = module[at];
        at += 1;
        let size = leb128(module, &mut at).ok_or_else(broken)?;
        let end = at
            .checked_add(size)
            .filter(|&end| end <= module.len())
            .ok_or_else(broken)?;
        let mut name_at = at;
        let skip = id == 0
            && leb128(module, &mut name_at)
                .and_then(|len| module.get(name_at..name_at.checked_add(len)?))
                .is_some_and(|n| n == name.as_bytes());
        if !skip {
            out.extend_from_slice(&module[start..end]);
        }
        at = end;
    }
    Ok(out)
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
