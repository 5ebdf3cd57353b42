"""The Textual UI. Importing it makes Textual write only the changed cells of a partial
update to the terminal (console.ui.output, issue 13)."""

from console.ui.output import install as _install_output

_install_output()
