const { src, dest } = require('gulp');

// tsc emits only JavaScript; n8n loads the codex files (*.node.json) from beside the compiled nodes and
// the icons from the paths the nodes and credentials name (dist/icons, as n8n-nodes-starter keeps them).
function buildIcons() {
	return src(['icons/*.svg', 'nodes/**/*.node.json'], { base: '.', encoding: false }).pipe(dest('dist'));
}

exports['build:icons'] = buildIcons;
