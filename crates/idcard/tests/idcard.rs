//! The SDT adapter against a library built here that speaks the interface (a C file compiled by
//! the test), the base message's layout, and the refusals a counter clerk sees.

use certdesk_idcard::{FixtureReader, IdCardError, IdCardReader, ReaderConfig, SdtReader, parse_base_message};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A base message as a reader writes it: each field UCS-2LE, padded with spaces to its width.
fn base_message(fields: [&str; 9]) -> Vec<u8> {
    const WIDTHS: [usize; 9] = [15, 1, 2, 8, 35, 18, 15, 8, 8];
    let mut out = Vec::new();
    for (text, width) in fields.iter().zip(WIDTHS) {
        let mut units: Vec<u16> = text.encode_utf16().collect();
        assert!(units.len() <= width, "{text} is wider than {width}");
        units.resize(width, u16::from(b' '));
        out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
    }
    out.resize(256, 0);
    out
}

const ZHANG: [&str; 9] = [
    "张三丰",
    "1",
    "03",
    "19900307",
    "浙江省杭州市西湖区文三路90号",
    "330106199003071234",
    "杭州市公安局西湖分局",
    "20150101",
    "20350101",
];

#[test]
fn the_base_message_reads_into_the_card() {
    let mut fields = ZHANG;
    fields[5] = valid_id("33010619900307123");
    let card = parse_base_message(&base_message(fields)).unwrap();
    assert_eq!(card.name, "张三丰");
    assert_eq!((card.sex.as_str(), card.nation.as_str()), ("男", "回"));
    assert_eq!(card.birth_date, "19900307");
    assert_eq!(card.address, "浙江省杭州市西湖区文三路90号");
    assert_eq!(card.id_number.as_str(), fields[5]);
    assert_eq!(card.issuer, "杭州市公安局西湖分局");
    assert_eq!((card.valid_from.as_str(), card.valid_until.as_str()), ("20150101", "20350101"));
    // Debug never prints the whole number.
    assert!(!format!("{card:?}").contains(fields[5]), "{card:?}");
}

#[test]
fn a_card_valid_for_life_a_woman_and_an_unknown_nation_code() {
    let mut fields = ZHANG;
    fields[5] = "11010519491231002X";
    fields[1] = "2";
    fields[2] = "99";
    fields[8] = "长期";
    let card = parse_base_message(&base_message(fields)).unwrap();
    assert_eq!((card.sex.as_str(), card.nation.as_str(), card.valid_until.as_str()), ("女", "99", "长期"));
}

#[test]
fn what_is_not_a_card_is_refused_with_the_reason() {
    let mut fields = ZHANG;
    fields[5] = "110105194912310021"; // the check digit is X
    let refused = parse_base_message(&base_message(fields)).unwrap_err();
    assert!(matches!(&refused, IdCardError::Invalid(m) if m.contains("校验")), "{refused}");
    let mut fields = ZHANG;
    fields[5] = "11010519491231002X";
    fields[0] = "";
    assert_eq!(parse_base_message(&base_message(fields)), Err(IdCardError::Invalid("姓名为空".into())));
    let short = parse_base_message(&[0u8; 100]).unwrap_err();
    assert_eq!(short.to_string(), "读取到的身份证信息无效：信息长度 100 字节，不足 238 字节");
    let mut fields = ZHANG;
    fields[5] = "11010519491231002X";
    fields[1] = "x";
    assert!(parse_base_message(&base_message(fields)).unwrap_err().to_string().contains("性别代码 x"));
}

#[test]
fn without_the_vendor_library_the_clerk_is_told_to_install_the_driver() {
    let reader = SdtReader::new(Some(PathBuf::from("/nonexistent/sdtapi.dll")));
    let refused = reader.read().unwrap_err();
    assert_eq!(refused, IdCardError::LibraryMissing { library: "sdtapi.dll".into() });
    assert_eq!(refused.to_string(), "未找到身份证阅读器驱动（sdtapi.dll），请安装阅读器厂商提供的驱动程序后重试");
    assert_eq!(ReaderConfig::parse(None), ReaderConfig::Sdt(None));
    assert_eq!(ReaderConfig::parse(Some("sdt:/opt/r/libx.so")), ReaderConfig::Sdt(Some("/opt/r/libx.so".into())));
    assert_eq!(ReaderConfig::parse(Some(" demo ")).open().read().unwrap().name, "王窗口");
    assert_eq!(FixtureReader::new(None).read(), Err(IdCardError::NoCard));
}

/// The reader a test library pretends to be: which port has it, and what the card search answers.
const FAKE_SDT: &str = r#"
#include <string.h>
static unsigned char message[256];
static int card_on_reader = 0;
static int ports_open = 0;
/* The test puts a card (its base message) on the reader, or lifts it off. */
void fake_put(const unsigned char *m, int on) { memcpy(message, m, 256); card_on_reader = on; }
int fake_ports_open(void) { return ports_open; }

int SDT_OpenPort(int port) { if (port == 1003) { ports_open++; return 0x90; } return 0x01; }
int SDT_ClosePort(int port) { ports_open--; return 0x90; }
int SDT_StartFindIDCard(int port, unsigned char *info, int open) { return card_on_reader ? 0x9f : 0x80; }
int SDT_SelectIDCard(int port, unsigned char *info, int open) { return 0x90; }
int SDT_ReadBaseMsg(int port, unsigned char *text, unsigned int *text_len, unsigned char *photo,
                    unsigned int *photo_len, int open) {
    memcpy(text, message, 256); *text_len = 256;
    memset(photo, 0x55, 1024); *photo_len = 1024;
    return 0x90;
}
"#;

fn build_fake(dir: &Path) -> PathBuf {
    let source = dir.join("fake_sdt.c");
    std::fs::write(&source, FAKE_SDT).unwrap();
    let library = dir.join("libfakesdt.so");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = Command::new(cc).args(["-shared", "-fPIC", "-o"]).arg(&library).arg(&source).status().unwrap();
    assert!(status.success(), "the fake SDT library did not build");
    library
}

#[cfg(target_os = "linux")]
#[test]
fn the_sdt_adapter_reads_a_card_through_the_library_and_closes_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let path = build_fake(dir.path());
    // SAFETY: the library built just above.
    let control = unsafe { libloading::Library::new(&path) }.unwrap();
    let put: libloading::Symbol<unsafe extern "C" fn(*const u8, i32)> = unsafe { control.get(b"fake_put") }.unwrap();
    let ports: libloading::Symbol<unsafe extern "C" fn() -> i32> = unsafe { control.get(b"fake_ports_open") }.unwrap();

    let mut fields = ZHANG;
    fields[5] = "11010519491231002X";
    let message = base_message(fields);
    let reader = SdtReader::new(Some(path.clone()));
    assert_eq!(reader.name(), "身份证阅读器（libfakesdt.so）");

    unsafe { put(message.as_ptr(), 0) };
    assert_eq!(reader.read(), Err(IdCardError::NoCard));
    assert_eq!(unsafe { ports() }, 0, "the port is closed after a search that found nothing");

    unsafe { put(message.as_ptr(), 1) };
    let card = reader.read().unwrap();
    assert_eq!((card.name.as_str(), card.id_number.as_str()), ("张三丰", "11010519491231002X"));
    assert_eq!(unsafe { ports() }, 0, "the port is closed after the read");
}

#[cfg(target_os = "linux")]
#[test]
fn a_library_that_is_not_the_sdt_interface_is_named_with_what_it_lacks() {
    let reader = SdtReader::new(Some(PathBuf::from("libm.so.6")));
    let refused = reader.read().unwrap_err();
    assert_eq!(refused, IdCardError::NotSdt { library: "libm.so.6".into(), symbol: "SDT_OpenPort".into() });
}

/// The ID number with its check digit (GB 11643) computed.
fn valid_id(first17: &str) -> &'static str {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    Box::leak(format!("{first17}{check}").into_boxed_str())
}
