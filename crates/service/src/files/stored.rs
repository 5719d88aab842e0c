//! Files as stored: the type decided from the first bytes, the zip safety check, clean names,
//! where a file lives, writing one, and packing several into a zip. No conversation rules here.

use kefu_core::ErrorCode;
use std::path::{Path, PathBuf};

use kefu_core::id::new_id;
use kefu_store::conversations::Conversation;

use crate::Service;
use crate::{Error, Result};

/// What the content says it is; `None` for anything not on the list.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if let Some(media) = sniff_media(bytes) {
        Some(media)
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else if starts(b"PK\x03\x04") {
        // Also .docx and .xlsx; downloaded as a plain zip, never opened by the browser.
        Some("application/zip")
    } else if !bytes.is_empty()
        && std::str::from_utf8(bytes).is_ok()
        && !bytes.contains(&0)
        && !looks_like_markup(bytes)
    {
        Some("text/plain")
    } else {
        None
    }
}

/// Voice notes and short videos: WebM (what browsers record), MP4 and QuickTime (phones), Ogg,
/// MP3 and WAV. Audio or video is told by the tracks the header names.
fn sniff_media(bytes: &[u8]) -> Option<&'static str> {
    let head = &bytes[..bytes.len().min(4096)];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if bytes.starts_with(b"\x1a\x45\xdf\xa3") {
        // EBML; a WebM's codec ids are plain text in its track list.
        let video = [b"V_VP8".as_slice(), b"V_VP9", b"V_AV1", b"V_MPEG4"]
            .iter()
            .any(|c| has(c));
        return Some(if video { "video/webm" } else { "audio/webm" });
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return Some(match &bytes[8..12] {
            b"M4A " | b"M4B " => "audio/mp4",
            b"qt  " => "video/quicktime",
            _ => "video/mp4",
        });
    }
    if bytes.starts_with(b"OggS") {
        return Some(if has(b"theora") {
            "video/ogg"
        } else {
            "audio/ogg"
        });
    }
    if bytes.starts_with(b"ID3")
        || (bytes.len() >= 2 && bytes[0] == 0xff && matches!(bytes[1], 0xfb | 0xf3 | 0xf2))
    {
        return Some("audio/mpeg");
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        return Some("audio/wav");
    }
    None
}

/// Types a file name may claim for the same content (a `.webm` may hold sound only).
fn family(content_type: &str) -> &str {
    match content_type {
        "audio/webm" | "video/webm" => "webm",
        "audio/mp4" | "video/mp4" | "video/quicktime" => "mp4",
        "audio/ogg" | "video/ogg" => "ogg",
        other => other,
    }
}

/// The type of an uploaded file, refused when the content is not on the list, when its name
/// claims another type than the content has, or when it is an archive that would unpack to far
/// more than it weighs (a zip bomb).
pub fn check_file(name: &str, bytes: &[u8]) -> Result<&'static str> {
    let content_type = sniff(bytes).ok_or_else(|| {
        Error::invalid(
            ErrorCode::UnsupportedFileType,
            concat!(
                "only images (PNG, JPEG, GIF, WebP), audio and video (WebM, MP4, MOV, Ogg, ",
                "MP3, WAV), PDF, ZIP and plain text can be sent"
            ),
        )
    })?;
    if let Some(claimed) = claimed_type(name)
        && family(claimed) != family(content_type)
    {
        return Err(Error::invalid(
            ErrorCode::FileTypeMismatch,
            format!("the file's name does not match its content ({content_type})"),
        ));
    }
    if content_type == "application/zip"
        && let Err(why) = zip_is_safe(bytes)
    {
        return Err(Error::invalid(ErrorCode::UnsafeArchive, why.to_string()));
    }
    Ok(content_type)
}

/// The type a file name's extension claims: `None` without an extension, `Some("unknown")`
/// for one that no accepted type has (`.exe`, `.html`, `.svg`).
fn claimed_type(name: &str) -> Option<&'static str> {
    let base = clean_name(name);
    let (_, ext) = base.rsplit_once('.')?;
    Some(match ext.to_ascii_lowercase().as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" | "jfif" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "zip" | "docx" | "xlsx" | "pptx" => "application/zip",
        "txt" | "text" | "log" | "csv" | "md" => "text/plain",
        "webm" | "weba" => "audio/webm",
        "mp4" | "m4v" | "m4a" | "mov" => "video/mp4",
        "ogg" | "oga" | "ogv" | "opus" => "audio/ogg",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        _ => "unknown",
    })
}

/// Largest total an archive may unpack to, and the largest ratio of unpacked to packed size
/// of any member (DEFLATE cannot pass ~1032; real documents stay far below 100).
const ZIP_MAX_UNPACKED: u64 = 512 * 1024 * 1024;
const ZIP_MAX_RATIO: u64 = 200;
const ZIP_MAX_ENTRIES: usize = 10_000;

/// Why an archive is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafeZip {
    #[error("the archive's directory cannot be read ({0})")]
    Unreadable(String),
    #[error("the archive has over {ZIP_MAX_ENTRIES} files")]
    TooManyFiles,
    #[error("the archive's directory is damaged ({0})")]
    Damaged(String),
    #[error("archives inside the archive are not accepted")]
    Nested,
    #[error("a file in the archive unpacks to far more than it weighs")]
    Bomb,
    #[error("the archive unpacks to over {} MB", ZIP_MAX_UNPACKED / 1024 / 1024)]
    TooLarge,
}

/// Reads a zip's central directory with the `zip` crate (never unpacking anything) and refuses
/// what would unpack to too much: a total over [`ZIP_MAX_UNPACKED`], a member compressed over
/// [`ZIP_MAX_RATIO`] to one, too many members, an archive inside the archive, or a directory
/// the crate cannot read (damaged or cut).
pub fn zip_is_safe(z: &[u8]) -> Result<(), UnsafeZip> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(z))
        .map_err(|e| UnsafeZip::Unreadable(e.to_string()))?;
    if archive.len() > ZIP_MAX_ENTRIES {
        return Err(UnsafeZip::TooManyFiles);
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_data(i)
            .map_err(|e| UnsafeZip::Damaged(e.to_string()))?;
        let name = String::from_utf8_lossy(entry.name_raw()).to_lowercase();
        if [".zip", ".gz", ".7z", ".rar", ".tar", ".bz2", ".xz"]
            .iter()
            .any(|e| name.ends_with(e))
        {
            return Err(UnsafeZip::Nested);
        }
        let (packed, unpacked) = (entry.compressed_size(), entry.size());
        if unpacked > packed.max(1).saturating_mul(ZIP_MAX_RATIO) && unpacked > 1024 * 1024 {
            return Err(UnsafeZip::Bomb);
        }
        total = total.saturating_add(unpacked);
        if total > ZIP_MAX_UNPACKED {
            return Err(UnsafeZip::TooLarge);
        }
    }
    Ok(())
}

/// Text that a browser could take for HTML or SVG is refused rather than risked.
fn looks_like_markup(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
    let head = head.trim_start();
    head.starts_with('<') || head.contains("<script") || head.contains("<html")
}

/// A file name safe to show and to put in a header: no paths, no control characters.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

pub fn storage_path(state: &Service, key: &str) -> PathBuf {
    state.config.uploads_dir.join(key)
}

pub async fn write_file(state: &Service, conv: &Conversation, body: &[u8]) -> Result<String> {
    store_bytes(state, conv.created_at, "", body).await
}

/// Writes bytes under `yyyy-mm/<random><ext>` for the month of `at`; returns the key.
pub async fn store_bytes(state: &Service, at: i64, ext: &str, body: &[u8]) -> Result<String> {
    let month = kefu_core::time::month_of(at);
    let key = format!("{month}/{}{ext}", new_id());
    let path = storage_path(state, &key);
    let dir = path.parent().unwrap_or(Path::new("."));
    let io = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::StorageFull {
            Error::StorageFull(format!("storing an upload: {e}"))
        } else {
            Error::Internal(format!("storing an upload: {e}"))
        }
    };
    tokio::fs::create_dir_all(dir).await.map_err(io)?;
    let tmp = path.with_extension("part");
    if let Err(e) = tokio::fs::write(&tmp, body).await {
        // A disk that filled up midway leaves no half file behind.
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(io(e));
    }
    tokio::fs::rename(&tmp, &path).await.map_err(io)?;
    Ok(key)
}

/// A zip archive holding `files` (name, bytes) stored as they are (they are mostly photos and
/// PDFs, which do not compress), names in UTF-8, written by the `zip` crate.
pub fn zip_stored(files: &[(String, Vec<u8>)]) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::Write as _;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(false);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in files {
        writer.start_file(name.as_str(), options)?;
        writer.write_all(data)?;
    }
    writer.finish().map(std::io::Cursor::into_inner)
}

/// The file `id` of the conversation `conversation_id`; a file of another conversation reads
/// as no file at all.
pub async fn attachment_of(
    x: impl kefu_store::Exec,
    conversation_id: &str,
    id: &str,
) -> Result<kefu_store::attachments::Attachment> {
    kefu_store::attachments::get(x, id)
        .await?
        .filter(|a| a.conversation_id == conversation_id)
        .ok_or_else(|| {
            Error::invalid(
                ErrorCode::InvalidAttachment,
                "no such file in this conversation",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_notes_and_videos_are_told_by_their_content() {
        let webm = |codec: &[u8]| {
            [
                b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm".as_slice(),
                codec,
            ]
            .concat()
        };
        assert_eq!(sniff(&webm(b"A_OPUS")), Some("audio/webm"));
        assert_eq!(sniff(&webm(b"V_VP8")), Some("video/webm"));
        assert_eq!(sniff(b"\0\0\0\x20ftypisom\0\0\x02\0"), Some("video/mp4"));
        assert_eq!(sniff(b"\0\0\0\x20ftypM4A \0\0\0\0"), Some("audio/mp4"));
        assert_eq!(
            sniff(b"\0\0\0\x14ftypqt  \0\0\0\0"),
            Some("video/quicktime")
        );
        assert_eq!(sniff(b"OggS\0\x02....OpusHead"), Some("audio/ogg"));
        assert_eq!(sniff(b"ID3\x04\0\0\0\0"), Some("audio/mpeg"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WAVEfmt "), Some("audio/wav"));
        // A voice note recorded as .webm, a phone's .mov, a video named .mp4: accepted.
        assert_eq!(
            check_file("voice.webm", &webm(b"A_OPUS")).unwrap(),
            "audio/webm"
        );
        assert_eq!(
            check_file("clip.webm", &webm(b"V_VP9")).unwrap(),
            "video/webm"
        );
        assert!(check_file("IMG_0001.MOV", b"\0\0\0\x14ftypqt  \0\0\0\0").is_ok());
        // A name that lies is refused as before.
        assert_eq!(
            check_file("song.mp3", &webm(b"A_OPUS")).unwrap_err().code(),
            ErrorCode::FileTypeMismatch
        );
    }

    #[test]
    fn types_come_from_the_content() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0"), Some("image/jpeg"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff("订单号 123".as_bytes()), Some("text/plain"));
        assert_eq!(sniff(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff(b"  <html><script>"), None);
        assert_eq!(sniff(b"MZ\x90\x00\x03"), None, "executables are refused");
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn names_lose_their_paths() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\x\\发票.pdf"), "发票.pdf");
        assert_eq!(clean_name("a\"b\n.png"), "ab.png");
        assert_eq!(clean_name(".."), "file");
    }
}

#[cfg(test)]
mod zip_tests {
    use super::*;

    /// `zip_stored(files)` with each member's unpacked size in the directory set to `unpacked`.
    fn claiming(files: &[(String, Vec<u8>)], unpacked: u32) -> Vec<u8> {
        let mut z = zip_stored(files).unwrap();
        let mut at = z.len() - 22;
        at = u32::from_le_bytes([z[at + 16], z[at + 17], z[at + 18], z[at + 19]]) as usize;
        for (name, _) in files {
            z[at + 24..at + 28].copy_from_slice(&unpacked.to_le_bytes());
            at += 46 + name.len();
        }
        z
    }

    #[test]
    fn zip_bombs_and_lying_names_are_refused() {
        let doc = vec![("a.txt".to_string(), vec![b'a'; 4000])];
        assert!(check_file("photos.zip", &zip_stored(&doc).unwrap()).is_ok());
        // One member claiming 2 GB from 4 KB; many members adding up past the limit.
        let bomb = claiming(&doc, 2_000_000_000);
        let e = check_file("photos.zip", &bomb).unwrap_err();
        assert!(e.to_string().contains("far more"), "{e}");
        let many: Vec<_> = (0..600)
            .map(|i| (format!("{i}.txt"), vec![b'a'; 4000]))
            .collect();
        let e = check_file("x.zip", &claiming(&many, 1_000_000)).unwrap_err();
        assert!(e.to_string().contains("over 512 MB"), "{e}");
        // 42.zip's trick: archives inside.
        let nested = zip_stored(&[("0.zip".to_string(), zip_stored(&doc).unwrap())]).unwrap();
        assert!(check_file("42.zip", &nested).is_err());
        // A damaged or cut directory.
        let mut cut = zip_stored(&doc).unwrap();
        cut.truncate(cut.len() - 30);
        assert!(check_file("x.zip", &cut).is_err());
        assert!(zip_is_safe(b"PK\x03\x04 and nothing").is_err());
        // Names lying about the content.
        let pdf = b"%PDF-1.4 x";
        assert_eq!(check_file("发票.PDF", pdf).unwrap(), "application/pdf");
        assert_eq!(check_file("no-extension", pdf).unwrap(), "application/pdf");
        for lie in [
            "photo.png",
            "setup.exe",
            "page.html",
            "logo.svg",
            "a.pdf.js",
        ] {
            let e = check_file(lie, pdf).unwrap_err();
            assert!(e.to_string().contains("does not match"), "{lie}: {e}");
        }
        assert!(check_file("notes.txt", "订单".as_bytes()).is_ok());
        assert!(check_file("x.txt", b"MZ\x90\x00").is_err());
    }

    #[test]
    fn a_stored_zip_reads_back() {
        let files = vec![
            ("退款单.pdf".to_string(), b"%PDF-1.4 hello".to_vec()),
            ("box.png".to_string(), vec![0u8; 1000]),
        ];
        let z = zip_stored(&files).unwrap();
        assert_eq!(sniff(&z), Some("application/zip"));
        // End of central directory: two entries, and the directory where it says it is.
        let end = z.len() - 22;
        assert_eq!(&z[end..end + 4], &[0x50, 0x4b, 0x05, 0x06]);
        assert_eq!(u16::from_le_bytes([z[end + 10], z[end + 11]]), 2);
        let dir = u32::from_le_bytes([z[end + 16], z[end + 17], z[end + 18], z[end + 19]]) as usize;
        assert_eq!(&z[dir..dir + 4], &[0x50, 0x4b, 0x01, 0x02]);
        // The first entry's data follows its header and name, with its CRC.
        let name_len = u16::from_le_bytes([z[26], z[27]]) as usize;
        assert_eq!(&z[30..30 + name_len], "退款单.pdf".as_bytes());
        let data = &z[30 + name_len..30 + name_len + 14];
        assert_eq!(data, b"%PDF-1.4 hello");
        assert_eq!(
            u32::from_le_bytes([z[14], z[15], z[16], z[17]]),
            crc32fast::hash(data)
        );
    }
}
