// A line of text the server changes often ("Susan Miller is typing…") as one element: a change arrives as
// set(text) (ui/live.py call) with the page's other changes, not as a NiceGUI update, which would have the
// browser draw the page's element tree again. Text goes through {{ }} (escaped by Vue) only.
export default {
  props: { text: String },
  data() {
    return { shown: this.text };
  },
  watch: {
    text(value) {   // the server sent the element again: its text is the latest
      this.shown = value;
    },
  },
  methods: {
    set(text) {
      this.shown = text;
    },
  },
  template: `<div>{{ shown }}</div>`,
};
