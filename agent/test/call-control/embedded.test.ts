/** The shared call-control suite through the embedded gateway. SIP on 127.0.0.1:16600, PBX on 16620. */
import { EMBEDDED } from './back-ends.js';
import { describeCallControl } from './call-control-suite.js';

describeCallControl(EMBEDDED);
