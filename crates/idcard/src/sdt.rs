//! The SDT interface of second-generation ID card readers (公安部 SDT API, `sdtapi.dll`; most
//! vendors' libraries export the same functions). A read: open the port, find the card, select it,
//! read the base message (256 bytes of UCS-2LE text in fixed-width fields, and the photo), close.

use crate::{IdCard, IdCardError, Result};
use certdesk_core::IdNumber;
use libloading::{Library, Symbol};
use std::os::raw::{c_int, c_uchar, c_uint};
use std::path::PathBuf;

/// The library's answers.
const OK: c_int = 0x90;
const CARD_FOUND: c_int = 0x9f;
/// USB readers answer on ports 1001–1016, serial ones on 1–16.
const PORTS: [std::ops::RangeInclusive<c_int>; 2] = [1001..=1016, 1..=16];

const BASE_MESSAGE_LEN: usize = 256;
const PHOTO_LEN: usize = 1024;

#[cfg(windows)]
const LIBRARY: &str = "sdtapi.dll";
#[cfg(target_os = "macos")]
const LIBRARY: &str = "libsdtapi.dylib";
#[cfg(all(unix, not(target_os = "macos")))]
const LIBRARY: &str = "libsdtapi.so";

type OpenPort = unsafe extern "system" fn(c_int) -> c_int;
type ClosePort = unsafe extern "system" fn(c_int) -> c_int;
type FindCard = unsafe extern "system" fn(c_int, *mut c_uchar, c_int) -> c_int;
type ReadBaseMsg =
    unsafe extern "system" fn(c_int, *mut c_uchar, *mut c_uint, *mut c_uchar, *mut c_uint, c_int) -> c_int;

/// A reader through the vendor's SDT library, loaded at each read: a computer without a reader
/// starts the app, and a driver installed while it runs is found at the next read.
#[derive(Debug, Clone)]
pub struct SdtReader {
    library: PathBuf,
}

impl SdtReader {
    /// `library`: the vendor library's path; `None` looks it up by its usual name.
    pub fn new(library: Option<PathBuf>) -> Self {
        SdtReader { library: library.unwrap_or_else(|| PathBuf::from(LIBRARY)) }
    }

    fn library_name(&self) -> String {
        self.library.file_name().map_or_else(|| self.library.display().to_string(), |n| n.to_string_lossy().into())
    }
}

impl crate::IdCardReader for SdtReader {
    fn name(&self) -> String {
        format!("身份证阅读器（{}）", self.library_name())
    }

    fn read(&self) -> Result<IdCard> {
        let library_name = self.library_name();
        // SAFETY: loading runs the library's initialisers; it is the reader vendor's driver, which
        // the counter's computer installed for exactly this.
        let library = unsafe { Library::new(&self.library) }
            .map_err(|_| IdCardError::LibraryMissing { library: library_name.clone() })?;
        let sdt = Sdt::load(&library, &library_name)?;
        let port = PORTS.iter().flat_map(|r| r.clone()).find(|&p| unsafe { (sdt.open)(p) } == OK);
        let Some(port) = port else { return Err(IdCardError::NoReader) };
        let read = sdt.read(port);
        // SAFETY: the port was opened above.
        unsafe { (sdt.close)(port) };
        read.and_then(|message| parse_base_message(&message))
    }
}

struct Sdt<'l> {
    open: Symbol<'l, OpenPort>,
    close: Symbol<'l, ClosePort>,
    find: Symbol<'l, FindCard>,
    select: Symbol<'l, FindCard>,
    read_base: Symbol<'l, ReadBaseMsg>,
}

impl<'l> Sdt<'l> {
    fn load(library: &'l Library, name: &str) -> Result<Self> {
        fn symbol<'l, T>(library: &'l Library, library_name: &str, symbol: &str) -> Result<Symbol<'l, T>> {
            // SAFETY: the types above are the SDT interface's signatures.
            unsafe { library.get(symbol.as_bytes()) }
                .map_err(|_| IdCardError::NotSdt { library: library_name.into(), symbol: symbol.into() })
        }
        Ok(Sdt {
            open: symbol(library, name, "SDT_OpenPort")?,
            close: symbol(library, name, "SDT_ClosePort")?,
            find: symbol(library, name, "SDT_StartFindIDCard")?,
            select: symbol(library, name, "SDT_SelectIDCard")?,
            read_base: symbol(library, name, "SDT_ReadBaseMsg")?,
        })
    }

    fn read(&self, port: c_int) -> Result<Vec<u8>> {
        let mut management = [0u8; 8];
        // SAFETY: each buffer is as large as the interface writes, and lives through the call.
        let found = unsafe { (self.find)(port, management.as_mut_ptr(), 0) };
        if found != CARD_FOUND {
            return Err(IdCardError::NoCard);
        }
        let selected = unsafe { (self.select)(port, management.as_mut_ptr(), 0) };
        if selected != OK {
            return Err(IdCardError::ReadFailed(selected));
        }
        let mut text = vec![0u8; BASE_MESSAGE_LEN];
        let mut photo = vec![0u8; PHOTO_LEN];
        let (mut text_len, mut photo_len): (c_uint, c_uint) = (0, 0);
        let answer =
            unsafe { (self.read_base)(port, text.as_mut_ptr(), &mut text_len, photo.as_mut_ptr(), &mut photo_len, 0) };
        // The photo is a face image: never kept, never written anywhere.
        photo.fill(0);
        drop(photo);
        if answer != OK {
            return Err(IdCardError::ReadFailed(answer));
        }
        // Some libraries leave the length unset; the buffer then holds the whole message.
        if text_len != 0 {
            text.truncate((text_len as usize).min(BASE_MESSAGE_LEN));
        }
        Ok(text)
    }
}

/// The card's text from the SDT base message: UCS-2LE in fixed-width fields (name 15 characters,
/// sex 1, nation 2, birth 8, address 35, ID number 18, issuer 15, valid from 8, valid until 8).
pub fn parse_base_message(message: &[u8]) -> Result<IdCard> {
    const WIDTHS: [usize; 9] = [15, 1, 2, 8, 35, 18, 15, 8, 8];
    if message.len() < WIDTHS.iter().sum::<usize>() * 2 {
        return Err(IdCardError::Invalid(format!("信息长度 {} 字节，不足 238 字节", message.len())));
    }
    let mut fields = Vec::with_capacity(WIDTHS.len());
    let mut at = 0;
    for width in WIDTHS {
        let units: Vec<u16> =
            message[at..at + width * 2].chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]])).collect();
        let text = String::from_utf16(&units).map_err(|_| IdCardError::Invalid("文字编码无法识别".into()))?;
        fields.push(text.trim_end_matches(['\0', ' ']).trim().to_owned());
        at += width * 2;
    }
    let [name, sex, nation, birth_date, address, id_number, issuer, valid_from, valid_until] =
        <[String; 9]>::try_from(fields).expect("nine widths, nine fields");
    if name.is_empty() {
        return Err(IdCardError::Invalid("姓名为空".into()));
    }
    let id_number = IdNumber::parse(&id_number).map_err(|refusal| IdCardError::Invalid(refusal.to_string()))?;
    let sex = match sex.as_str() {
        "1" => "男",
        "2" => "女",
        "0" | "9" => "未说明",
        other => return Err(IdCardError::Invalid(format!("性别代码 {other} 无法识别"))),
    }
    .to_owned();
    Ok(IdCard {
        name,
        sex,
        nation: nation_name(&nation),
        birth_date,
        address,
        id_number,
        issuer,
        valid_from,
        valid_until,
    })
}

/// 民族 by its GB 3304 code, as the card prints it.
fn nation_name(code: &str) -> String {
    const NATIONS: [&str; 56] = [
        "汉",
        "蒙古",
        "回",
        "藏",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
    ];
    match code.parse::<usize>() {
        Ok(n @ 1..=56) => NATIONS[n - 1].to_owned(),
        Ok(97) => "其他".into(),
        Ok(98) => "外国血统中国籍人士".into(),
        _ => code.to_owned(),
    }
}
