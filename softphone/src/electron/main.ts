/**
 * Electron main process: a thin adapter that hands electron's APIs to the tested pure modules
 * (app-origin, permission-policy, single-instance, secret-store, tray-view, window-options, ipc-guards).
 * Nothing here runs on our CI machines (no Electron binary); `tsc -p softphone` type-checks it.
 */
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  nativeImage,
  net,
  Notification,
  powerMonitor,
  protocol,
  safeStorage,
  session,
  shell,
  systemPreferences,
  Tray,
  type IpcMainInvokeEvent,
} from 'electron';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_SCHEME, APP_START_URL, CONTENT_SECURITY_POLICY, resolveAppFile } from './app-origin.js';
import { IPC } from './bridge-api.js';
import { historyFile, textFile } from './history-file.js';
import { asHistory, asString, asTrayState, checkSender } from './ipc-guards.js';
import { allowPermissionCheck, allowPermissionRequest } from './permission-policy.js';
import { SecretStore } from './secret-store.js';
import { registerProtocols, setupSingleInstance } from './single-instance.js';
import { trayView } from './tray-view.js';
import { allowExternalOpen, allowNavigation, mainWindowOptions } from './window-options.js';

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const ASSETS = join(ROOT, 'assets');

let win: BrowserWindow | undefined;
let tray: Tray | undefined; // kept globally so it is not garbage-collected
let pendingDial: string | undefined;
let quitting = false;

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

function focusWindow(): void {
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

function dial(target: string): void {
  if (win && !win.webContents.isLoading()) win.webContents.send(IPC.dialRequest, target);
  else pendingDial = target;
}

function guarded<A extends unknown[], R>(fn: (...args: A) => R) {
  return (event: IpcMainInvokeEvent, ...args: A): R => {
    checkSender(event.senderFrame?.url);
    return fn(...args);
  };
}

function registerIpc(): void {
  const userData = app.getPath('userData');
  const secrets = new SecretStore(safeStorage, textFile(join(userData, 'secrets.json')));
  const history = historyFile(join(userData, 'history.json'));
  ipcMain.handle(
    IPC.secretGet,
    guarded((id: unknown) => secrets.get(asString(id, 100))),
  );
  ipcMain.handle(
    IPC.secretSet,
    guarded((id: unknown, pw: unknown) => secrets.trySet(asString(id, 100), asString(pw, 1024))),
  );
  ipcMain.handle(
    IPC.secretDelete,
    guarded((id: unknown) => secrets.delete(asString(id, 100))),
  );
  ipcMain.handle(
    IPC.historyLoad,
    guarded(() => history.load()),
  );
  ipcMain.handle(
    IPC.historySave,
    guarded((entries: unknown) => history.save(asHistory(entries))),
  );
  ipcMain.on(IPC.trayState, (event, state: unknown, detail: unknown) => {
    checkSender(event.senderFrame?.url);
    const view = trayView(asTrayState(state), asString(detail, 2000));
    tray?.setImage(nativeImage.createFromPath(join(ASSETS, `${view.icon}.png`)));
    tray?.setToolTip(view.tooltip);
  });
  ipcMain.on(IPC.notify, (event, title: unknown, body: unknown) => {
    checkSender(event.senderFrame?.url);
    const n = new Notification({ title: asString(title, 200), body: asString(body, 500) });
    n.on('click', focusWindow);
    n.show();
  });
}

function secureSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(allowPermissionRequest(permission, details)),
  );
  ses.setPermissionCheckHandler((_wc, permission, origin, details) =>
    allowPermissionCheck(permission, origin, details.mediaType),
  );
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(DIST, request.url);
    if (!file) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    return new Response(res.body, { status: res.status, headers });
  });
}

function createWindow(): void {
  win = new BrowserWindow({
    ...mainWindowOptions(join(__dirname, 'preload.cjs')),
    icon: join(ASSETS, 'icon.png'),
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!allowNavigation(url)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (allowExternalOpen(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('did-finish-load', () => {
    if (pendingDial) win?.webContents.send(IPC.dialRequest, pendingDial);
    pendingDial = undefined;
  });
  win.once('ready-to-show', () => win?.show());
  // Close to tray: the phone keeps ringing until the user quits from the tray menu.
  win.on('close', (event) => {
    if (!quitting) {
      event.preventDefault();
      win?.hide();
    }
  });
  void win.loadURL(APP_START_URL);
}

function createTray(): void {
  tray = new Tray(nativeImage.createFromPath(join(ASSETS, 'tray-offline.png')));
  tray.setToolTip('Switchboard Phone');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open phone', click: focusWindow },
      { type: 'separator' },
      { label: 'Quit', click: () => ((quitting = true), app.quit()) },
    ]),
  );
  tray.on('click', focusWindow);
}

if (setupSingleInstance(app, process.argv, { focus: focusWindow, dial })) {
  registerProtocols(app, {
    defaultApp: process.defaultApp === true,
    execPath: process.execPath,
    script: process.argv[1],
  });
  app.on('before-quit', () => (quitting = true));
  void app.whenReady().then(() => {
    secureSession();
    registerIpc();
    // macOS only prompts for the microphone when asked explicitly (Electron returns silence otherwise).
    if (process.platform === 'darwin') void systemPreferences.askForMediaAccess('microphone');
    createWindow();
    createTray();
    powerMonitor.on('resume', () => win?.webContents.send(IPC.resume));
    app.on('activate', focusWindow);
  });
}
