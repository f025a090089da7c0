"""The model tests' helper: a slim ResNet's own weights in the layout of its generated suffix."""


def own_suffix_tensors(m, k: int, task_id: int = 0) -> dict:
    """The model's own weights in the layout of `suffix_specs(k)` (the head of `task_id` as classifier)."""
    params, head = dict(m.named_parameters()), m.heads[task_id]
    mine = {"classifier.weight": head.weight, "classifier.bias": head.bias}
    return {s.name: mine.get(s.name, params.get(s.name)) for s in m.suffix_specs(k)}
