//! Pure edits of ssh config text (ssh_config(5)): the managed stanzas and the Include line.
