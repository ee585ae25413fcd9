import { cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, it } from 'vitest';
import { AppProviders, createQueryClient } from '../../App';
import { byId } from '../../test/dom';
import AboutButton from './AboutDialog';

afterEach(() => {
  cleanup();
  clearMocks();
});

describe('关于', () => {
  it('asks for NOTICE only when opened, and shows the version, the commit and the licences', async () => {
    const asked: string[] = [];
    mockIPC((cmd) => {
      asked.push(cmd);
      if (cmd === 'about') {
        return {
          version: '0.1.0',
          commit: '0123456789ab',
          notice: '== The face model ==\nSeetaFace … BSD-2-Clause\n\nMIT (178):\n    zerocopy 0.8.27',
        };
      }
      throw new Error(`unexpected command ${cmd}`);
    });
    render(
      <AppProviders queryClient={createQueryClient()}>
        <AboutButton />
      </AppProviders>,
    );
    expect(asked).toEqual([]);
    await userEvent.setup({ delay: null }).click(await byId('about-open'));
    expect((await byId('about-version')).textContent).toBe('0.1.0');
    expect((await byId('about-commit')).textContent).toBe('0123456789ab');
    expect((await byId('about-notice')).textContent).toContain('SeetaFace … BSD-2-Clause');
    expect(screen.getByText('关于证书办理台')).toBeTruthy();
    expect(asked).toEqual(['about']);
  });

  it('says in Chinese when the app cannot tell', async () => {
    mockIPC((cmd) => {
      if (cmd === 'about') throw new Error('应用内部错误：NOTICE 不可用');
      throw new Error(`unexpected command ${cmd}`);
    });
    render(
      <AppProviders queryClient={createQueryClient()}>
        <AboutButton />
      </AppProviders>,
    );
    await userEvent.setup({ delay: null }).click(await byId('about-open'));
    expect(await screen.findByText(/NOTICE 不可用/)).toBeTruthy();
  });
});
