"""Pulumi entry point of this directory, in both of its roles:

- the stack program (Pulumi.yaml): stack config -> one SpeechContainers component (components/program.py);
- the component plugin (PulumiPlugin.yaml): the Python language host starts a source plugin as
  `python <this directory> <engine address>`, with no resource monitor configured, so the plugin is served.
"""

from pulumi.runtime.settings import get_monitor

if get_monitor() is None:
    from provider import serve

    serve()
else:
    from components.program import main

    main()
