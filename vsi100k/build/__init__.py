"""The build orchestrator: scenes -> facts -> frames -> questions -> dataset, resumable and parallel."""
