/**
 * Wires the phone core to the views, the browser (devices, notifications, online) and the Electron
 * bridge. Rendering is lit-html: one template for the page, re-rendered on every change and every
 * second; lit-html updates only the bindings whose values changed and keys lists (calls, turns,
 * history), so elements the user is in are never rebuilt. Chosen over a hand-written keyed DOM
 * patcher (more code to get right) and over React/Preact (a virtual DOM and a JSX build step for a
 * page this size): ~7 kB, no build step of its own, escapes every value (SIP display names cannot
 * inject markup), and needs no inline script or style, so the strict CSP stays.
 */
import { render } from 'lit-html';
import { AgentPanel } from '../core/agent-panel.js';
import { CallHistory, webStorageHistory, type HistoryStorage } from '../core/call-history.js';
import { Phone } from '../core/phone.js';
import { sipJsFactory } from '../core/sipjs-factory.js';
import { browserTimer } from '../core/timer.js';
import type { AccountConfig, CallSnapshot } from '../core/types.js';
import type { SoftphoneBridge } from '../electron/bridge-api.js';
import { AccountFieldError, accountFromFields, fieldsFor, type AccountFields } from './account-fields.js';
import { AccountStore } from './account-store.js';
import { AudioOutput } from './audio-output.js';
import { loadFirstRunConfig, type FirstRunConfig } from './first-run-config.js';
import { describeTarget, keyAction } from './keyboard.js';
import { Preferences } from './preferences.js';
import { callTitle, lineOf } from './views/calls-view.js';
import type { AccountFormModel } from './views/account-form.js';
import { shellView, type ShellActions, type ShellModel } from './views/shell-view.js';

export interface AppEnv {
  root: HTMLElement;
  bridge: SoftphoneBridge | undefined;
  storage: Storage;
}

type FormState = AccountFormModel & { session: number; accountId?: string };

export async function startApp(env: AppEnv): Promise<void> {
  const { bridge } = env;
  const historyStorage: HistoryStorage = bridge ? bridge.history : webStorageHistory(env.storage);
  const history = new CallHistory(historyStorage);
  const accountStore = new AccountStore(env.storage, bridge);
  const prefs = new Preferences(env.storage);
  const audio = new AudioOutput();
  audio.setRingtone(prefs.ringtone);
  const config: FirstRunConfig = await loadFirstRunConfig(location, fetch);
  let accounts: AccountConfig[] = await accountStore.load();
  let panel: { callId: string; remote: string; model: AgentPanel } | undefined;
  let session = 0;
  const ui = {
    status: '',
    dialText: '',
    dialError: '',
    dialAccount: accounts[0]?.id ?? '',
    settingsOpen: false,
    form: undefined as FormState | undefined,
    firstRun: undefined as FormState | undefined,
    notStored: [] as string[],
    devices: [] as MediaDeviceInfo[],
    confirm: undefined as { target: string; accountId: string } | undefined,
    history: await history.load(),
  };

  const phone = new Phone({
    factory: sipJsFactory,
    timer: browserTimer,
    wallClock: Date.now,
    history,
    audioConstraints: () => (prefs.devices.input ? { deviceId: { exact: prefs.devices.input } } : true),
    getAudioTrack: async (deviceId) => {
      const s = await navigator.mediaDevices.getUserMedia({
        audio: deviceId ? { deviceId: { exact: deviceId } } : true,
      });
      return s.getAudioTracks()[0]!;
    },
  });
  const report = (err: unknown) => {
    ui.status = err instanceof Error ? err.message : String(err);
    update();
  };
  const act = (p: Promise<unknown> | void) => void Promise.resolve(p).catch(report);
  const activeCall = () => phone.calls().find((c) => c.state === 'active');

  const formFor = (mode: FormState['mode'], account?: AccountConfig): FormState => ({
    session: ++session,
    idPrefix: mode === 'first-run' ? 'first' : 'acct',
    mode,
    fields: fieldsFor(account, config),
    serverOpen: !account && !config.wsUrl,
    tokenRequired: config.apiTokenRequired && !account?.agentApiToken,
    ...(account ? { accountId: account.id } : {}),
  });
  if (accounts.length === 0) ui.firstRun = formFor('first-run');

  /** Validate, then add or replace the account; a bad field keeps the form with the error. */
  async function saveAccount(form: FormState, fields: AccountFields): Promise<boolean> {
    let account: AccountConfig;
    try {
      account = accountFromFields(fields, form.accountId ?? `acct-${Date.now().toString(36)}`);
    } catch (err) {
      if (!(err instanceof AccountFieldError)) throw err;
      Object.assign(form, { fields, error: { field: err.field, message: err.message } });
      update();
      return false;
    }
    const editing = accounts.some((a) => a.id === account.id);
    accounts = editing ? accounts.map((a) => (a.id === account.id ? account : a)) : [...accounts, account];
    const saved = await accountStore.save(accounts);
    ui.notStored = [...ui.notStored.filter((id) => id !== account.id), ...saved.notStored];
    if (editing) await phone.updateAccount(account);
    else phone.addAccount(account);
    if (!accounts.some((a) => a.id === ui.dialAccount)) ui.dialAccount = account.id;
    update();
    return true;
  }

  function openPanel(c: CallSnapshot): void {
    const endpoints = phone.agentEndpoints(c.id);
    if (!endpoints || typeof EventSource === 'undefined') return;
    panel?.model.close();
    const model = new AgentPanel({
      endpoints,
      createSource: (u) => new EventSource(u),
      fetch: (u, init) => fetch(u, init),
      timer: browserTimer,
    });
    panel = { callId: c.id, remote: callTitle(c), model };
    model.changes.on(update);
    model.open();
  }

  function onCall(c: CallSnapshot): void {
    if (c.state === 'active' || c.state === 'held') {
      const sdh = phone.call(c.id).session.sessionDescriptionHandler as
        { remoteMediaStream?: MediaStream } | undefined;
      if (sdh?.remoteMediaStream) audio.attach(c.id, sdh.remoteMediaStream);
      // One agent view at a time: a new call gets it once the previous view's call is over.
      const panelBusy = panel && phone.calls().some((x) => x.id === panel?.callId);
      if (c.state === 'active' && !panelBusy && panel?.callId !== c.id) openPanel(c);
    }
    if (c.state === 'ended') {
      audio.detach(c.id);
      if (panel?.callId === c.id) panel.model.finish();
    }
    const ringing = phone.calls().find((x) => x.state === 'ringing');
    if (!ringing) audio.stopRinging();
    else audio.startRinging(phone.calls().some((x) => x.state === 'active' || x.state === 'held'));
  }

  async function notifyIncoming(c: CallSnapshot): Promise<void> {
    const who = c.remoteName ?? c.remoteUri;
    if (bridge) return bridge.notify('Incoming call', who);
    if (typeof Notification === 'undefined') return;
    // Asked on the first incoming call, when the user can see why, not on page load.
    if (Notification.permission === 'default') await Notification.requestPermission().catch(() => undefined);
    if (Notification.permission === 'granted') new Notification('Incoming call', { body: who });
    update();
  }

  const dialWith = (accountId: string, target: string) => {
    ui.dialError = '';
    if (!accountId) {
      ui.dialError = 'Add an account first: Settings, then Add account.';
      return update();
    }
    act(
      phone.dial(accountId, target).then(
        () => ((ui.dialText = ''), update()),
        (e: Error) => ((ui.dialError = `Cannot call: ${e.message}`), update()),
      ),
    );
  };
  const press = (digit: string) => {
    const call = activeCall();
    if (call) act(phone.call(call.id).sendDtmf(digit));
    else ui.dialText += digit;
    update();
  };

  const actions: ShellActions = {
    calls: {
      answer: (id) => act(phone.answer(id)),
      decline: (id, code) => act(phone.call(id).decline(code)),
      hangup: (id) => act(phone.call(id).hangup()),
      mute: (id, m) => phone.call(id).setMuted(m),
      hold: (id) => act(phone.call(id).hold()),
      resume: (id) => act(phone.resume(id)),
      transfer: (id, target, withId) =>
        act(withId ? phone.attendedTransfer(id, withId) : phone.blindTransfer(id, target)),
    },
    dialer: {
      setText: (t) => ((ui.dialText = t), (ui.dialError = '')),
      setAccount: (id) => ((ui.dialAccount = id), update()),
      press,
      backspace: () => ((ui.dialText = ui.dialText.slice(0, -1)), update()),
      dial: () => ui.dialText.trim() && dialWith(ui.dialAccount, ui.dialText),
    },
    settings: {
      close: () => ((ui.settingsOpen = false), (ui.form = undefined), update()),
      addAccount: () => ((ui.form = formFor('add')), update()),
      editAccount: (id) => (
        (ui.form = formFor(
          'edit',
          accounts.find((a) => a.id === id),
        )),
        update()
      ),
      removeAccount: (id) =>
        act(
          phone.removeAccount(id).then(async () => {
            accounts = await accountStore.remove(accounts, id);
            if (accounts.length === 0) ui.firstRun = formFor('first-run');
            update();
          }),
        ),
      submitAccount: (fields) =>
        ui.form && act(saveAccount(ui.form, fields).then((ok) => ok && ((ui.form = undefined), update()))),
      cancelForm: () => ((ui.form = undefined), update()),
      reconnect: () => phone.networkResumed(),
      setDevice: (kind, id) => {
        prefs.setDevice(kind, id);
        if (kind === 'output') act(audio.setSpeaker(id));
        if (kind === 'ringer') act(audio.setRinger(id));
        if (kind === 'input')
          for (const c of phone.calls())
            if (c.state === 'active' || c.state === 'held') act(phone.call(c.id).setInputDevice(id));
        update();
      },
      setRingtone: (kind) => (prefs.setRingtone(kind), audio.setRingtone(kind), update()),
      previewRingtone: () => audio.preview(prefs.ringtone),
      setTheme: (theme) => (prefs.setTheme(theme), applyTheme(), update()),
      allowNotifications: () => act(Notification.requestPermission().then(update)),
    },
    confirm: {
      setAccount: (id) => ui.confirm && (ui.confirm.accountId = id),
      confirm: () => {
        const c = ui.confirm;
        ui.confirm = undefined;
        if (c) dialWith(c.accountId, c.target);
        update();
      },
      cancel: () => ((ui.confirm = undefined), update()),
    },
    openSettings: () => ((ui.settingsOpen = true), update()),
    firstRunSubmit: (fields) =>
      ui.firstRun &&
      act(saveAccount(ui.firstRun, fields).then((ok) => ok && ((ui.firstRun = undefined), update()))),
    redial: (e) =>
      dialWith(accounts.some((a) => a.id === e.accountId) ? e.accountId : ui.dialAccount, e.remoteUri),
    clearHistory: () => act(history.clear().then(() => ((ui.history = []), update()))),
  };

  function model(): ShellModel {
    const calls = phone.calls();
    const active = activeCall();
    // Shown once the agent answered (or said why it cannot): calls to people never flash an empty view.
    const agent =
      panel && panel.model.current.status !== 'connecting'
        ? {
            line: Math.max(1, lineOf(calls, panel.callId)),
            remote: panel.remote,
            state: panel.model.current,
          }
        : undefined;
    return {
      accounts,
      registrations: phone.registrations(),
      calls,
      now: Date.now(),
      agent,
      history: ui.history,
      status: ui.status,
      dialer: {
        accounts,
        accountId: ui.dialAccount,
        text: ui.dialText,
        error: ui.dialError,
        dtmfLine: active ? lineOf(calls, active.id) : undefined,
      },
      firstRun: ui.firstRun,
      settings: {
        open: ui.settingsOpen,
        accounts,
        registrations: phone.registrations(),
        notStored: ui.notStored,
        form: ui.form,
        devices: ui.devices,
        choice: prefs.devices,
        ringtone: prefs.ringtone,
        theme: prefs.theme,
        notifications: typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
      },
      confirm: ui.confirm,
    };
  }

  let scheduled = false;
  function update(): void {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      render(shellView(model(), actions), env.root);
      trayState();
    });
  }

  function trayState(): void {
    if (!bridge) return;
    const regs = phone.registrations();
    const ringing = phone.calls().some((c) => c.state === 'ringing');
    bridge.setTrayState(
      ringing
        ? 'ringing'
        : regs.some((r) => r.state === 'registered')
          ? 'registered'
          : regs.some((r) => r.state === 'connecting' || r.state === 'registering')
            ? 'connecting'
            : 'offline',
      regs.map((r) => `${r.accountId}: ${r.state}`).join('\n'),
    );
  }

  function applyTheme(): void {
    if (prefs.theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = prefs.theme;
  }

  async function refreshDevices(): Promise<void> {
    ui.devices = (await navigator.mediaDevices?.enumerateDevices()) ?? [];
    update();
  }

  phone.events.on((e) => {
    if (e.type === 'incoming') void notifyIncoming(e.call);
    if (e.type === 'call') onCall(e.call);
    if (e.type === 'history') ui.history = e.entries;
    update();
  });

  document.addEventListener('keydown', (ev) => {
    const action = keyAction(ev, describeTarget(ev.target), phone.calls());
    if (!action) return;
    ev.preventDefault();
    if (action.type === 'digit') press(action.digit);
    else if (action.type === 'backspace') actions.dialer.backspace();
    else if (action.type === 'answer') actions.calls.answer(action.callId);
    else actions.calls.hangup(action.callId);
  });
  window.addEventListener('online', () => phone.networkResumed());
  document.addEventListener(
    'visibilitychange',
    () => document.visibilityState === 'visible' && phone.networkResumed(),
  );
  navigator.mediaDevices?.addEventListener('devicechange', () => void refreshDevices().catch(report));
  bridge?.onResume(() => phone.networkResumed());
  bridge?.onDialRequest((target) => {
    // A link clicked elsewhere never dials by itself: the user confirms, and picks the account.
    ui.confirm = { target, accountId: ui.dialAccount || (accounts[0]?.id ?? '') };
    update();
  });

  applyTheme();
  for (const a of accounts) phone.addAccount(a);
  await refreshDevices().catch(report);
  setInterval(update, 1000);
  update();
}
