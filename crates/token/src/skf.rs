//! SM2 UKeys through GM/T 0016 SKF (skf-rs): the vendor's SKF library (`*_skf.dll`,
//! `libskf.so`…) loaded at run time, one application on the key, one container per key pair
//! (the container's name is the key's id).
//!
//! SKF signs a digest: for SM2 that is e = SM3(Z ‖ M), Z being GM/T 0009's hash of the default ID,
//! the curve and the public key ([`sm2_digest`], checked here against the sm2 crate's own
//! signing). This adapter is compiled and its digest tested here; it is exercised with a real SKF
//! UKey by hand (docs/deploy.md), as no software SKF token exists to run it against.

use crate::{KeyKind, PinState, Result, Token, TokenCertificate, TokenError, TokenInfo, TokenKey, TokenSource};
use skf_rs::spec::algorithm::SGD_SM2_1;
use skf_rs::{Engine, LibLoader, PIN_TYPE_USER, SkfApp, SkfDevice};
use sm3::{Digest, Sm3};
use std::path::{Path, PathBuf};

/// The SM2 curve's a, b and base point (GM/T 0003.5), as Z hashes them.
const SM2_A: [u8; 32] = hex32("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC");
const SM2_B: [u8; 32] = hex32("28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93");
const SM2_GX: [u8; 32] = hex32("32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7");
const SM2_GY: [u8; 32] = hex32("BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0");

const fn hex32(text: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("uppercase hex"),
        }
    }
    let bytes = text.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(bytes[2 * i]) << 4 | nibble(bytes[2 * i + 1]);
        i += 1;
    }
    out
}

/// e = SM3(Z ‖ message) for the SM2 public key `point` (uncompressed SEC1: 04 ‖ x ‖ y), with the
/// default ID: what an SKF UKey signs.
pub fn sm2_digest(point: &[u8], message: &[u8]) -> Result<[u8; 32]> {
    let (x, y) = match point {
        [0x04, rest @ ..] if rest.len() == 64 => rest.split_at(32),
        _ => return Err(TokenError::Device("SM2 公钥格式错误".into())),
    };
    let id = certdesk_pki::SM2_DEFAULT_ID.as_bytes();
    let entl = u16::try_from(id.len() * 8).expect("a short ID").to_be_bytes();
    let z = Sm3::new()
        .chain_update(entl)
        .chain_update(id)
        .chain_update(SM2_A)
        .chain_update(SM2_B)
        .chain_update(SM2_GX)
        .chain_update(SM2_GY)
        .chain_update(x)
        .chain_update(y)
        .finalize();
    Ok(Sm3::new().chain_update(z).chain_update(message).finalize().into())
}

/// The last 32 bytes of one of SKF's 64-byte coordinate fields (values are right-aligned).
fn low32(field: &[u8; 64]) -> &[u8] {
    &field[32..]
}

/// The UKeys of one SKF library, using the application `application` on each.
pub struct SkfSource {
    library: PathBuf,
    engine: Engine,
    application: String,
}

fn failed(e: skf_rs::Error) -> TokenError {
    match e {
        skf_rs::Error::PinVerifyFail(pin) if pin.remaining_retry_count == 0 => TokenError::Locked,
        skf_rs::Error::PinVerifyFail(pin) => TokenError::WrongPin {
            tries_left: Some(pin.remaining_retry_count),
            final_try: pin.remaining_retry_count == 1,
        },
        skf_rs::Error::NotFound(_) => TokenError::NotPresent,
        other => TokenError::Device(other.to_string()),
    }
}

impl SkfSource {
    pub fn load(library: impl AsRef<Path>, application: &str) -> Result<SkfSource> {
        let library = library.as_ref().to_owned();
        let loaded = LibLoader::of_library_file(library.to_string_lossy())
            .map_err(|e| TokenError::Module { module: library.display().to_string(), reason: e.to_string() })?;
        Ok(SkfSource { library, engine: Engine::new(loaded), application: application.into() })
    }

    pub fn library(&self) -> &Path {
        &self.library
    }

    /// Every present device, connected, with its information.
    fn devices(&self) -> Result<Vec<(Box<dyn SkfDevice>, skf_rs::DeviceInformation)>> {
        let manager = self.engine.device_manager().map_err(failed)?;
        let mut out = Vec::new();
        for name in manager.enumerate_device_name(true).map_err(failed)? {
            let device = manager.connect(&name).map_err(failed)?;
            let info = device.info().map_err(failed)?;
            out.push((device, info));
        }
        Ok(out)
    }

    fn info_of(&self, device: &dyn SkfDevice, info: &skf_rs::DeviceInformation) -> TokenInfo {
        let pin = device
            .open_app(&self.application)
            .and_then(|app| app.pin_info(PIN_TYPE_USER))
            .map(|pin| PinState {
                count_low: pin.remain_retry_count < pin.max_retry_count,
                final_try: pin.remain_retry_count == 1,
                locked: pin.remain_retry_count == 0,
                to_be_changed: pin.default_pin,
                tries_left: Some(pin.remain_retry_count),
            })
            .unwrap_or_default();
        TokenInfo {
            label: info.label.clone(),
            serial: info.serial_number.clone(),
            manufacturer: info.manufacturer.clone(),
            model: info.issuer.clone(),
            free_bytes: Some(u64::from(info.free_space)),
            pin,
            kinds: vec![KeyKind::Sm2],
        }
    }
}

impl TokenSource for SkfSource {
    fn tokens(&self) -> Result<Vec<TokenInfo>> {
        Ok(self.devices()?.iter().map(|(device, info)| self.info_of(device.as_ref(), info)).collect())
    }

    fn open(&self, serial: &str) -> Result<Box<dyn Token>> {
        let (device, _) =
            self.devices()?.into_iter().find(|(_, info)| info.serial_number == serial).ok_or(TokenError::NotPresent)?;
        let app = device.open_app(&self.application).map_err(failed)?;
        Ok(Box::new(SkfToken { device, app }))
    }
}

/// One SM2 UKey, its application open (containers are only valid while it is).
pub struct SkfToken {
    device: Box<dyn SkfDevice>,
    app: Box<dyn SkfApp>,
}

fn container_name(id: &[u8]) -> Result<String> {
    String::from_utf8(id.to_vec()).map_err(|_| TokenError::NoSuchObject)
}

/// 04 ‖ x ‖ y from SKF's public key blob (bit length, then 64-byte x and y fields).
fn point_of_blob(bytes: &[u8]) -> Result<Vec<u8>> {
    if bytes.len() < 4 + 128 {
        return Err(TokenError::Device("SM2 公钥格式错误".into()));
    }
    let x: &[u8; 64] = bytes[4..68].try_into().expect("64 bytes");
    let y: &[u8; 64] = bytes[68..132].try_into().expect("64 bytes");
    Ok([&[0x04][..], low32(x), low32(y)].concat())
}

impl Token for SkfToken {
    fn info(&self) -> Result<TokenInfo> {
        let info = self.device.info().map_err(failed)?;
        let pin = self.app.pin_info(PIN_TYPE_USER).map_err(failed)?;
        Ok(TokenInfo {
            label: info.label,
            serial: info.serial_number,
            manufacturer: info.manufacturer,
            model: info.issuer,
            free_bytes: Some(u64::from(info.free_space)),
            pin: PinState {
                count_low: pin.remain_retry_count < pin.max_retry_count,
                final_try: pin.remain_retry_count == 1,
                locked: pin.remain_retry_count == 0,
                to_be_changed: pin.default_pin,
                tries_left: Some(pin.remain_retry_count),
            },
            kinds: vec![KeyKind::Sm2],
        })
    }

    fn log_in(&mut self, pin: &str) -> Result<()> {
        self.app.verify_pin(PIN_TYPE_USER, pin).map_err(failed)
    }

    fn change_pin(&mut self, old: &str, new: &str) -> Result<()> {
        self.app.change_pin(PIN_TYPE_USER, old, new).map_err(failed)
    }

    fn generate_key(&mut self, kind: KeyKind, _label: &str) -> Result<TokenKey> {
        if kind != KeyKind::Sm2 {
            return Err(TokenError::Unsupported("P-256"));
        }
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|e| TokenError::Device(e.to_string()))?;
        let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let container = self.app.create_container(&name).map_err(failed)?;
        let blob = container.ecc_gen_key_pair(SGD_SM2_1).map_err(failed)?;
        let point = [&[0x04][..], low32(&blob.x_coordinate), low32(&blob.y_coordinate)].concat();
        Ok(TokenKey { id: name.into_bytes(), kind, public_key: crate::spki_of_point(kind, &point)? })
    }

    fn sign(&mut self, key: &TokenKey, message: &[u8]) -> Result<Vec<u8>> {
        let container = self.app.open_container(&container_name(&key.id)?).map_err(failed)?;
        let point = point_of_blob(&container.ecc_export_public_key(true).map_err(failed)?)?;
        let blob = container.ecc_sign(&sm2_digest(&point, message)?).map_err(failed)?;
        crate::der_signature(KeyKind::Sm2, &[low32(&blob.r), low32(&blob.s)].concat())
    }

    fn write_certificate(&mut self, key: Option<&TokenKey>, label: &str, der: &[u8], _subject: &[u8]) -> Result<()> {
        match key {
            Some(key) => {
                let container = self.app.open_container(&container_name(&key.id)?).map_err(failed)?;
                container.import_certificate(true, der).map_err(failed)
            }
            // The chain goes into files of the application: SKF has no place for CA certificates.
            None => {
                let name: String = label.chars().filter(char::is_ascii_alphanumeric).take(32).collect();
                let attributes = skf_rs::FileAttr {
                    file_name: name.clone(),
                    file_size: der.len(),
                    read_rights: skf_rs::FILE_PERM_EVERYONE,
                    write_rights: skf_rs::FILE_PERM_USER,
                };
                self.app.create_file(&attributes).map_err(failed)?;
                self.app.write_file(&name, 0, der).map_err(failed)
            }
        }
    }

    fn certificates(&mut self) -> Result<Vec<TokenCertificate>> {
        let mut out = Vec::new();
        for name in self.app.enumerate_container_name().map_err(failed)? {
            let container = self.app.open_container(&name).map_err(failed)?;
            if let Ok(der) = container.export_certificate(true) {
                out.push(TokenCertificate { id: name.clone().into_bytes(), label: name, der });
            }
        }
        Ok(out)
    }

    fn public_key(&mut self, id: &[u8]) -> Result<Vec<u8>> {
        let container = self.app.open_container(&container_name(id)?).map_err(failed)?;
        crate::spki_of_point(KeyKind::Sm2, &point_of_blob(&container.ecc_export_public_key(true).map_err(failed)?)?)
    }
}

#[cfg(test)]
mod tests {
    use der::Decode;
    use signature::Verifier;
    use sm2::pkcs8::EncodePublicKey;

    /// A signature over the digest, made as an SKF UKey makes it, verifies as SM2 over the message.
    #[test]
    fn the_digest_an_skf_key_signs_is_the_one_sm2_verification_expects() {
        use sm2::dsa::signature::hazmat::PrehashSigner;
        let key = certdesk_pki::Sm2Signer::generate().unwrap();
        let public = signature::Keypair::verifying_key(&key);
        let spki = public.to_public_key_der().unwrap();
        let info = sm2::pkcs8::spki::SubjectPublicKeyInfoRef::from_der(spki.as_bytes()).unwrap();
        let point = info.subject_public_key.raw_bytes();
        let message = b"certification request info";
        let digest = super::sm2_digest(point, message).unwrap();
        let signature: sm2::dsa::Signature = key.0.sign_prehash(&digest).unwrap();
        public.verify(message, &signature).expect("the digest is SM3(Z || M) with the default ID");
        let other = super::sm2_digest(point, b"something else").unwrap();
        let wrong: sm2::dsa::Signature = key.0.sign_prehash(&other).unwrap();
        assert!(public.verify(message, &wrong).is_err());
    }
}
