//! Writes a sample cover sheet to the path given (for looking at the layout).
fn main() {
    let sheet = certdesk_platform::documents::cover_sheet::CoverSheet {
        order_no: "179594631257600",
        organisation_name: "晨安入驻供应商",
        applicant_name: "陈晨",
        address: "杭州市西湖区转塘街道鲤鱼山街鹏辉科技园1号楼政采云有限公司",
    };
    let pdf = certdesk_platform::documents::cover_sheet::render(&sheet, None).expect("a CJK font is installed");
    std::fs::write(std::env::args().nth(1).unwrap_or_else(|| "cover-sheet.pdf".into()), pdf).unwrap();
}
