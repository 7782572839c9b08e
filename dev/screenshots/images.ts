/** Where `npm run screenshots` writes the README's pictures, and how large each may be. */
import path from 'node:path';

export const IMAGES_DIR = path.resolve(__dirname, '..', '..', 'docs', 'images');
export const MAX_IMAGE_BYTES = 150 * 1024;
