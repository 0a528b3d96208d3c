//! The site directory the server publishes: `public/` at the root, and in `pkg/` the glue,
//! the wasm module and the stylesheet under content-hashed names, each with `.br` and `.gz`
//! copies so the server never compresses them per request.
use crate::{step, wasm::Bundle, Kind, Paths, Result};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// The file stem Leptos's `HydrationScripts` and `HashedStylesheet` are given (`output_name`).
const OUTPUT_NAME: &str = "rewind";

pub fn write(kind: Kind, paths: &Paths, bundle: &Bundle) -> Result {
    step("site (public/, hashed pkg/ files, .br and .gz)");
    let staging = paths.dist.join("site.new");
    let site = paths.dist.join("site");
    let _ = std::fs::remove_dir_all(&staging);
    let pkg = staging.join("pkg");
    mkdir(&pkg)?;
    copy_dir(&paths.root.join("public"), &staging)?;
    if let Some(snippets) = &bundle.snippets {
        copy_dir(snippets, &pkg.join("snippets"))?;
    }
    let css = std::fs::read(paths.root.join("style/main.css"))
        .map_err(|e| format!("style/main.css: {e}"))?;
    let files = [("js", &bundle.js), ("wasm", &bundle.wasm), ("css", &css)];
    // Leptos reads `<kind>: <hash>` lines and asks for `rewind.<hash>.<kind>`.
    let mut hashes = String::new();
    let mut written = Vec::new();
    for (ext, content) in files {
        let hash = content_hash(content);
        hashes.push_str(&format!("{ext}: {hash}\n"));
        let path = pkg.join(format!("{OUTPUT_NAME}.{hash}.{ext}"));
        std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
        written.push((path, content.as_slice()));
    }
    std::thread::scope(|scope| {
        let jobs: Vec<_> = written
            .iter()
            .flat_map(|(path, content)| {
                [
                    scope.spawn(move || gzip(kind, path, content)),
                    scope.spawn(move || brotli(kind, path, content)),
                ]
            })
            .collect();
        jobs.into_iter()
            .try_for_each(|job| job.join().map_err(|_| "compression panicked".to_string())?)
    })?;

    for (path, content) in &written {
        let size = |ext| {
            std::fs::metadata(compressed_path(path, ext))
                .map(|m| m.len())
                .unwrap_or_default()
        };
        println!(
            "    pkg/{}: {} bytes, gzip {}, br {}",
            path.file_name().unwrap_or_default().to_string_lossy(),
            content.len(),
            size(".gz"),
            size(".br")
        );
    }
    // Swap the finished site in; a server that is running keeps serving the old files until
    // the moment of the rename.
    let old = paths.dist.join("site.old");
    let _ = std::fs::remove_dir_all(&old);
    if site.exists() {
        std::fs::rename(&site, &old).map_err(|e| format!("{}: {e}", site.display()))?;
    }
    std::fs::rename(&staging, &site).map_err(|e| format!("{}: {e}", site.display()))?;
    let _ = std::fs::remove_dir_all(&old);
    let _ = std::fs::remove_dir_all(paths.dist.join("bindgen"));
    let hash_file = paths.dist.join("hash.txt");
    std::fs::write(&hash_file, hashes).map_err(|e| format!("{}: {e}", hash_file.display()))?;
    Ok(())
}

/// 16 hex digits of the SHA-256: a new name whenever the content changes.
fn content_hash(content: &[u8]) -> String {
    Sha256::digest(content)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn compressed_path(path: &Path, ext: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(ext);
    name.into()
}

/// Optimised builds get the smallest files; debug builds (26 MB of wasm) the quick settings.
fn gzip(kind: Kind, path: &Path, content: &[u8]) -> Result {
    let level = if kind.optimised_wasm() {
        flate2::Compression::best()
    } else {
        flate2::Compression::fast()
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    encoder
        .write_all(content)
        .and_then(|()| encoder.finish())
        .and_then(|gz| std::fs::write(compressed_path(path, ".gz"), gz))
        .map_err(|e| format!("gzip {}: {e}", path.display()))
}

fn brotli(kind: Kind, path: &Path, content: &[u8]) -> Result {
    let params = brotli::enc::BrotliEncoderParams {
        quality: if kind.optimised_wasm() { 11 } else { 3 },
        lgwin: 24,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &content[..], &mut out, &params)
        .and_then(|_| std::fs::write(compressed_path(path, ".br"), out))
        .map_err(|e| format!("brotli {}: {e}", path.display()))
}

fn mkdir(dir: &Path) -> Result {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result {
    mkdir(to)?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .map_err(|e| format!("{}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}
