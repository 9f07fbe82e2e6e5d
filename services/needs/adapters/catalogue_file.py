"""Loading the indicator catalogue from YAML (``services/needs/catalogue.yaml`` by default)."""

from __future__ import annotations

from pathlib import Path

import yaml

from services.needs.domain.catalogue import Catalogue, CatalogueError, catalogue_from_mapping

DEFAULT_CATALOGUE = Path(__file__).resolve().parents[1] / "catalogue.yaml"


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Parse and check a catalogue file; errors name the file and the field."""
    source = path or DEFAULT_CATALOGUE
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CatalogueError(f"{source}: cannot read the catalogue: {error}") from error
    try:
        return catalogue_from_mapping(data)
    except CatalogueError as error:
        raise CatalogueError(f"{source}: {error}") from error
