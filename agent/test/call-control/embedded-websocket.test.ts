/**
 * The shared call-control suite through the embedded gateway forking over the WebSocket (what a gateway
 * run apart from the agent does, SWITCHBOARD_EMBEDDED_FORK=websocket). SIP 127.0.0.1:16601, PBX 16622.
 */
import { EMBEDDED_OVER_WEBSOCKET } from './back-ends.js';
import { describeCallControl } from './call-control-suite.js';

describeCallControl(EMBEDDED_OVER_WEBSOCKET);
