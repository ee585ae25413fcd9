//! The CJK font the papers are set in, found among the system's fonts: Noto Sans CJK on Linux,
//! Microsoft YaHei or SimSun on stock Windows, PingFang or STHeiti on macOS. Each system's list is
//! file names in its font folders, best first, with the family to take from a collection (a `.ttc`
//! holds several: Noto's Japanese, Korean and Chinese faces, PingFang's SC/TC/HK), chosen by its
//! name rather than by a face number that changes between font versions.

use std::path::{Path, PathBuf};

/// A font file to look for, and the family wanted in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub file: &'static str,
    pub family: &'static str,
}

const fn c(file: &'static str, family: &'static str) -> Candidate {
    Candidate { file, family }
}

pub const LINUX: &[Candidate] = &[
    c("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    c("NotoSansCJKsc-Regular.otf", "Noto Sans CJK SC"),
    c("NotoSansSC-Regular.otf", "Noto Sans SC"),
    c("NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
    c("wqy-microhei.ttc", "WenQuanYi Micro Hei"),
    c("wqy-zenhei.ttc", "WenQuanYi Zen Hei"),
    c("DroidSansFallbackFull.ttf", "Droid Sans Fallback"),
];

/// Stock Windows 10 and 11 (Simplified Chinese fonts ship with every language edition).
pub const WINDOWS: &[Candidate] = &[
    c("msyh.ttc", "Microsoft YaHei"),
    c("simsun.ttc", "SimSun"),
    c("simhei.ttf", "SimHei"),
    c("Deng.ttf", "DengXian"),
];

/// Stock macOS: PingFang where the system exposes it, STHeiti on every version.
pub const MACOS: &[Candidate] = &[
    c("PingFang.ttc", "PingFang SC"),
    c("STHeiti Light.ttc", "Heiti SC"),
    c("STHeiti Medium.ttc", "Heiti SC"),
    c("Hiragino Sans GB.ttc", "Hiragino Sans GB"),
    c("Songti.ttc", "Songti SC"),
    c("Arial Unicode.ttf", "Arial Unicode MS"),
];

/// This system's list.
pub fn candidates() -> &'static [Candidate] {
    if cfg!(target_os = "windows") {
        WINDOWS
    } else if cfg!(target_os = "macos") {
        MACOS
    } else {
        LINUX
    }
}

/// This system's font folders, looked through (with their subfolders) in order.
pub fn folders() -> Vec<PathBuf> {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    let home = env("HOME").or_else(|| env("USERPROFILE"));
    let mut folders = Vec::new();
    if cfg!(target_os = "windows") {
        // %WINDIR% is not always C:\Windows.
        folders.push(env("WINDIR").or_else(|| env("SystemRoot")).unwrap_or_else(|| "C:\\Windows".into()).join("Fonts"));
        // Fonts installed for one user (Windows 10 1809 and later).
        folders.extend(env("LOCALAPPDATA").map(|d| d.join("Microsoft\\Windows\\Fonts")));
    } else if cfg!(target_os = "macos") {
        folders.extend(["/System/Library/Fonts", "/Library/Fonts"].map(PathBuf::from));
        folders.extend(home.map(|h| h.join("Library/Fonts")));
        // Where macOS keeps fonts it downloads on demand (PingFang on some versions).
        folders.push("/System/Library/AssetsV2".into());
    } else {
        let data_dirs = env("XDG_DATA_DIRS").map(|d| d.to_string_lossy().into_owned());
        let data_dirs = data_dirs.as_deref().unwrap_or("/usr/local/share:/usr/share");
        folders.extend(
            env("XDG_DATA_HOME").or_else(|| home.as_ref().map(|h| h.join(".local/share"))).map(|d| d.join("fonts")),
        );
        folders.extend(data_dirs.split(':').filter(|d| !d.is_empty()).map(|d| Path::new(d).join("fonts")));
        folders.extend(home.map(|h| h.join(".fonts")));
    }
    folders
}

/// The first candidate found in the folders: its file and the face of its family (the first face
/// when no face is named so, as a font's names may be only in another language).
pub fn find(folders: &[PathBuf], candidates: &[Candidate]) -> Option<(PathBuf, u32)> {
    let mut files = Vec::new();
    for folder in folders {
        collect(folder, 0, &mut files);
    }
    candidates.iter().find_map(|candidate| {
        let path = files.iter().find(|f| f.file_name().is_some_and(|n| n.eq_ignore_ascii_case(candidate.file)))?;
        let data = std::fs::read(path).ok()?;
        Some((path.clone(), face_of(&data, candidate.family)?))
    })
}

/// Font files under `folder`, a few levels down (Debian's `truetype/wqy/`, macOS's asset folders).
fn collect(folder: &Path, depth: u32, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if depth < 4 {
                collect(&path, depth + 1, files);
            }
        } else if path
            .extension()
            .is_some_and(|e| ["ttc", "ttf", "otf", "otc"].iter().any(|x| e.eq_ignore_ascii_case(x)))
        {
            files.push(path);
        }
    }
}

/// The face of `family` in a font file (a collection or a single font); `None` if it is no font.
pub fn face_of(data: &[u8], family: &str) -> Option<u32> {
    let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    let mut first = None;
    for index in 0..count {
        let Ok(face) = ttf_parser::Face::parse(data, index) else { continue };
        first.get_or_insert(index);
        let named = face.names().into_iter().any(|name| {
            (name.name_id == ttf_parser::name_id::FAMILY || name.name_id == ttf_parser::name_id::TYPOGRAPHIC_FAMILY)
                && name.to_string().is_some_and(|n| n.eq_ignore_ascii_case(family))
        });
        if named {
            return Some(index);
        }
    }
    first
}

/// What to do when none is found, in this system's words.
pub fn missing_message() -> &'static str {
    if cfg!(target_os = "windows") {
        "未找到中文字体（微软雅黑或宋体），无法生成PDF：请在“设置 → 个性化 → 字体”中安装微软雅黑，或在配置中设置 cover_sheet_font"
    } else if cfg!(target_os = "macos") {
        "未找到中文字体（苹方或黑体-简），无法生成PDF：请在“字体册”中恢复系统字体，或在配置中设置 cover_sheet_font"
    } else {
        "未找到中文字体，无法生成PDF：请安装 Noto Sans CJK（fonts-noto-cjk），或在配置中设置 cover_sheet_font"
    }
}

// On Linux, over Debian's Noto files (links to them stand in for the other systems' fonts).
#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    const NOTO: &str = "/usr/share/fonts/opentype/noto";

    /// A font folder holding links to some of Debian's Noto files, under the names given.
    fn folder_with(links: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, target) in links {
            std::os::unix::fs::symlink(Path::new(NOTO).join(target), dir.path().join(name)).unwrap();
        }
        dir
    }

    fn noto_installed() -> bool {
        Path::new(NOTO).join("NotoSansCJK-Regular.ttc").exists()
    }

    #[test]
    fn the_simplified_chinese_face_is_chosen_by_name_in_a_collection() {
        if !noto_installed() {
            panic!("fonts-noto-cjk is needed (cargo xtask test installs it)");
        }
        let data = std::fs::read(Path::new(NOTO).join("NotoSansCJK-Regular.ttc")).unwrap();
        // Noto's collection: JP, KR, SC, TC, HK, then the Mono faces.
        assert_eq!(face_of(&data, "Noto Sans CJK SC"), Some(2));
        assert_eq!(face_of(&data, "Noto Sans CJK JP"), Some(0));
        assert_eq!(face_of(&data, "A family it lacks"), Some(0), "the first face");
        assert_eq!(face_of(b"not a font", "Noto Sans CJK SC"), None);
    }

    #[test]
    fn where_the_first_choices_are_missing_the_next_is_taken_and_none_is_none() {
        if !noto_installed() {
            panic!("fonts-noto-cjk is needed (cargo xtask test installs it)");
        }
        let system = folder_with(&[("NotoSansCJK-Regular.ttc", "NotoSansCJK-Regular.ttc")]);
        let (path, face) = find(&[system.path().into()], LINUX).unwrap();
        assert_eq!((path.file_name().unwrap().to_str().unwrap(), face), ("NotoSansCJK-Regular.ttc", 2));

        // A Windows without Microsoft YaHei (removed, or a trimmed image) but with SimSun: SimSun, as
        // the same list a Windows machine uses. (Noto's serif file stands in for simsun.ttc, and is
        // found in a subfolder, as fonts installed by programs sometimes are.)
        let windows = tempfile::tempdir().unwrap();
        std::fs::create_dir(windows.path().join("Fonts")).unwrap();
        std::os::unix::fs::symlink(
            Path::new(NOTO).join("NotoSerifCJK-Regular.ttc"),
            windows.path().join("Fonts").join("SIMSUN.TTC"),
        )
        .unwrap();
        let (path, _) = find(&[windows.path().into()], WINDOWS).unwrap();
        assert!(path.ends_with("Fonts/SIMSUN.TTC"), "{}", path.display());

        // macOS without PingFang: STHeiti. Then a folder with none of the list: nothing.
        let mac =
            folder_with(&[("STHeiti Light.ttc", "NotoSansCJK-Regular.ttc"), ("Unrelated.ttc", "NotoSansCJK-Bold.ttc")]);
        assert!(find(&[mac.path().into()], MACOS).unwrap().0.ends_with("STHeiti Light.ttc"));
        let empty = folder_with(&[("Unrelated.ttc", "NotoSansCJK-Bold.ttc")]);
        assert_eq!(find(&[empty.path().into(), "/nonexistent".into()], MACOS), None);
    }

    #[test]
    fn each_system_looks_in_its_own_folders() {
        let folders = folders();
        if cfg!(target_os = "linux") {
            assert!(folders.contains(&PathBuf::from("/usr/share/fonts")), "{folders:?}");
        }
        // The lists name each system's stock fonts first.
        assert_eq!(
            (WINDOWS[0].file, MACOS[0].family, LINUX[0].family),
            ("msyh.ttc", "PingFang SC", "Noto Sans CJK SC")
        );
    }
}
