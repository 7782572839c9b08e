// n8n-core's execution contexts read InstanceSettings, which lives in N8N_USER_FOLDER; keep it out of $HOME.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

process.env.N8N_USER_FOLDER = mkdtempSync(join(tmpdir(), 'n8n-unit-'));
process.env.N8N_LOG_LEVEL = 'silent';
