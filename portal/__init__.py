"""The upload portal: the personal link where an agency reads its round and tasks and submits its report."""
