"""Training on vsi100k questions with TRL: GRPO with the paper's settings (`grpo`), the SFT baseline
(`sft`), the lazy questions+frames join (`data`) and the reward adapters (`rewards`)."""
