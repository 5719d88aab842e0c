// Light or dark: the person's choice kept in this browser (`kefu_theme`: auto, light, dark);
// `auto` follows the system through the stylesheet's prefers-color-scheme rules.
const theme = localStorage.getItem('kefu_theme') || 'auto';
if (theme === 'auto') delete document.documentElement.dataset.theme;
else document.documentElement.dataset.theme = theme;
