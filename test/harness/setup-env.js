// n8n-core's execution contexts read InstanceSettings, which lives in N8N_USER_FOLDER; keep it out of $HOME.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

process.env.N8N_USER_FOLDER = mkdtempSync(join(tmpdir(), 'n8n-unit-'));
process.env.N8N_LOG_LEVEL = 'silent';

// The long-connection triggers use Node's global WebSocket, which Node 20 only has behind a flag; the
// unit tests run on whatever Node the machine has, so they get the same implementation (undici's).
if (typeof WebSocket === 'undefined') globalThis.WebSocket = require('undici').WebSocket;
