const { src, dest } = require('gulp');

// tsc emits only JavaScript; n8n loads icons and codex files (*.node.json) from beside the compiled nodes.
function buildIcons() {
	return src(['nodes/**/*.svg', 'nodes/**/*.node.json', 'credentials/**/*.svg'], { base: '.', encoding: false }).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
