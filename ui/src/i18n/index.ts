// The interface's language: zh-CN by default, en-US from the header's language switch; the choice
// is remembered on this computer.
import i18next from 'i18next';
import { useCallback } from 'react';
import { initReactI18next, useTranslation } from 'react-i18next';
import enUS from './en-US';
import zhCN from './zh-CN';

export type Locale = 'zh-CN' | 'en-US';

const STORAGE_KEY = 'certdesk.locale';

function savedLocale(): Locale {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) === 'en-US' ? 'en-US' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

void i18next.use(initReactI18next).init({
  lng: savedLocale(),
  fallbackLng: 'zh-CN',
  resources: { 'zh-CN': { translation: zhCN }, 'en-US': { translation: enUS } },
  interpolation: { escapeValue: false }, // React escapes.
  initAsync: false, // The resources are bundled: ready before the first render.
});

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof zhCN };
  }
}

export function setLocale(locale: Locale) {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, locale);
  } catch {
    // Not remembered (storage unavailable); the switch still applies now.
  }
  void i18next.changeLanguage(locale);
}

/** The current language, `t`, and `status` (a status in the current language, from the pair of
 * labels Rust sends), re-rendering when the language changes. */
export function useLocale() {
  const { t, i18n } = useTranslation();
  const locale: Locale = i18n.language === 'en-US' ? 'en-US' : 'zh-CN';
  const status = useCallback(
    (labels: { statusZh: string; statusEn: string }) => (locale === 'en-US' ? labels.statusEn : labels.statusZh),
    [locale],
  );
  return { t, locale, status };
}

export default i18next;
