// The fake app's UKey: one SoftHSM2 UKey plugged in; 写入证书 issues a certificate and sends each
// step as the app does.
import { emit } from '@tauri-apps/api/event';
import type { CertificateRecord, UkeyList, UkeyStep } from '../api';

export const UKEY_SERIAL = '7d14b4149ea74a3a';
export const NEW_PIN = '48213906';

export const ukeyList: UkeyList = {
  ukeys: [
    {
      driver: 'PKCS#11',
      label: '演示UKey',
      serial: UKEY_SERIAL,
      manufacturer: 'SoftHSM project',
      model: 'SoftHSM v2',
      freeKib: null,
      pinNote: null,
      locked: false,
      keyKinds: ['P-256'],
    },
  ],
  problems: [],
  demoCanPlug: false,
};

export function certificate(orderNo: string, serial: string): CertificateRecord {
  return {
    serial,
    orderNo,
    providerId: 'zjhx',
    subject: 'C=CN, O=测试供应商, CN=测试供应商, serialNumber=91350100M000100Y43',
    issuer: 'C=CN, O=浙江汇信CA（沙箱）, CN=浙江汇信CA（沙箱） 机构证书CA',
    notBefore: '2026-12-02T10:00:00+08:00',
    notAfter: '2027-12-02T10:00:00+08:00',
    fingerprintSha256: 'AB:CD',
    keyAlgorithm: 'ECDSA P-256',
    tokenSerial: UKEY_SERIAL,
    issuedAt: '2026-12-02T10:00:00+08:00',
    status: 'valid',
    revokedAt: null,
    revocationReason: null,
    certificatePem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
  };
}

const STEPS: UkeyStep[] = ['detect', 'pin', 'generateKey', 'issue', 'write', 'verify'];

/** Answers the UKey commands (`undefined` for any other); `certificates` grows as they are written. */
export function ukeyCommand(cmd: string, args: Record<string, unknown>, certificates: CertificateRecord[]) {
  switch (cmd) {
    case 'list_ukeys':
      return ukeyList;
    case 'write_certificate_to_ukey': {
      const orderNo = String(args.orderNo);
      return (async () => {
        for (const step of STEPS) await emit('ukey-progress', { orderNo, step });
        if (args.pin !== '12345678') throw { code: 'validation', message: 'PIN码错误，请重新输入' };
        const issued = certificate(orderNo, `4A${certificates.length + 1}F00D`);
        certificates.push(issued);
        return { certificate: issued, ukeySerial: UKEY_SERIAL, newPin: NEW_PIN };
      })();
    }
    case 'save_pin_slip':
      return `/home/clerk/Downloads/UKey密码信封-${UKEY_SERIAL}.pdf`;
    default:
      return undefined;
  }
}
