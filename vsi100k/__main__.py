"""`python -m vsi100k ...` (also `accelerate launch -m vsi100k train ...`): the same CLI as `vsi100k`."""

from vsi100k.cli import main

main()
