/**
 * What the screenshots need from Debian's packages: Chromium (the browser playwright-core drives; it
 * downloads none of its own), a CJK font (the node panel is searched in Chinese) and pngquant (keeps
 * each picture small). A fresh machine gets them on the first run, as root; otherwise the run stops
 * with the command to type.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const PNGQUANT = '/usr/bin/pngquant';
const CJK_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

const PACKAGES = [
	{ name: 'chromium', file: CHROMIUM },
	{ name: 'fonts-wqy-microhei', file: CJK_FONT },
	{ name: 'pngquant', file: PNGQUANT },
];

export function ensureDebianPackages(log: (line: string) => void): void {
	const missing = PACKAGES.filter((wanted) => !fs.existsSync(wanted.file)).map((wanted) => wanted.name);
	if (missing.length === 0) return;
	const command = `apt-get install -y ${missing.join(' ')}`;
	if (process.getuid?.() !== 0) {
		throw new Error(`the screenshots need ${missing.join(', ')} from Debian's packages: run \`sudo ${command}\`, then npm run screenshots again`);
	}
	log(missing.includes('chromium') ? 'Installing Chromium from Debian packages (first run only)…' : `Installing ${missing.join(', ')} from Debian packages (first run only)…`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
	execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { env, stdio: 'inherit' });
}
