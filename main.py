"""MNIST CNN Studio: the one front door.

    python main.py                      open the window (optionally --data PATH --model PATH)
    python main.py train ...            train a network from the terminal
    python main.py evaluate ...         score a saved model on the test set
    python main.py predict IMAGE ...    read handwritten digits from pictures
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from core.cli import build_parser, run_command
    from core.runtime import quiet_tensorflow

    quiet_tensorflow()
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command is None:
        from gui.app import run_app

        return run_app(data_path=args.data, model_path=args.model)
    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
