/**
 * The shared call-control suite through the drachtio back-end: the real drachtio-srf and drachtio-fsmrf
 * against the fake drachtio-server and fake FreeSWITCH (or real ones, see test/e2e-drachtio). PBX on 16621.
 */
import { DRACHTIO } from './back-ends.js';
import { describeCallControl } from './call-control-suite.js';

describeCallControl(DRACHTIO);
