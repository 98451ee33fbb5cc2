// The rows of the conversation list, drawn in the browser from plain data (components/conversation_rows.py).
// The server sends whole rows once and then only what changed (`apply`); each row is its own component, so a new
// message re-renders one row and moves one DOM node instead of redrawing the list. Only the first rows are in the
// page until the list is scrolled near its end: the browser's work after each change grows with the page's nodes
// (README, Benchmarks: live latency).
import { markRaw } from "vue";

const SHOWN_AT_ONCE = 60;
// A row is replaced whole when it changes, never edited in place: rows are kept raw (not made deeply reactive), so
// drawing one costs plain property reads.
const byId = (rows) => Object.fromEntries(rows.map((row) => [row.id, markRaw(row)]));

const Row = {
  props: { row: Object, labels: Object, selected: Boolean, focused: Boolean, canBlock: Boolean },
  emits: ["select", "toggle", "assign", "block"],
  template: `
    <div class="conversation-row group relative w-full flex no-wrap gap-3 items-start px-4 py-3 cursor-pointer
                border-b border-stone-100 outline-none"
         :class="[selected ? 'bg-indigo-50' : 'hover:bg-stone-50', focused ? 'ring-2 ring-inset ring-indigo-300' : '']"
         :data-conversation="row.id" tabindex="0" role="button" :aria-label="row.aria"
         @click="$emit('select', row.id)" @keydown.enter.self="$emit('select', row.id)"
         @touchstart.passive="touchStart" @touchend.passive="touchEnd"
         @mouseenter="armed = true" @focusin="armed = true">
      <div class="relative shrink-0">
        <div class="w-10 h-10 rounded-full bg-stone-200 text-stone-700 flex items-center justify-center text-sm font-semibold">{{ row.initials }}</div>
        <span v-show="row.online" class="absolute bottom-0 right-0 w-3 h-3 rounded-full bg-green-500 border-2 border-white"></span>
      </div>
      <div class="min-w-0 grow flex flex-col gap-0">
        <div class="w-full flex items-baseline justify-between no-wrap gap-2">
          <div class="truncate text-[15px]" :class="row.unread ? 'font-bold text-stone-900' : 'font-medium text-stone-800'">{{ row.name }}</div>
          <div class="shrink-0 text-xs" :class="row.unread ? 'text-indigo-700 font-semibold' : 'text-stone-500'">{{ row.time }}</div>
        </div>
        <div v-show="row.online" class="text-xs text-green-700 font-medium leading-4">{{ labels.online }}</div>
        <div class="w-full flex items-center justify-between no-wrap gap-2">
          <div class="truncate text-sm" :class="row.unread ? 'text-stone-900' : 'text-stone-500'">{{ row.preview }}</div>
          <span v-if="row.unread" class="shrink-0 w-2.5 h-2.5 rounded-full bg-indigo-600" :aria-label="labels.unread"></span>
        </div>
        <div v-if="row.unverified || row.mention || row.mine || row.assignee || row.topics.length" class="w-full flex items-center gap-1 pt-1 no-wrap overflow-hidden">
          <div v-if="row.mention" class="text-[11px] leading-4 rounded-full px-2 py-0.5 bg-amber-500 text-white whitespace-nowrap shrink-0">{{ labels.mentioned }}</div>
          <div v-if="row.unverified" class="text-[11px] leading-4 rounded-full px-2 py-0.5 bg-amber-100 text-amber-900 border border-amber-300 whitespace-nowrap shrink-0"
               :title="labels.unverified_hint">{{ labels.unverified }}</div>
          <div v-if="row.mine" class="text-[11px] leading-4 rounded-full px-2 py-0.5 bg-indigo-600 text-white whitespace-nowrap shrink-0">{{ labels.assigned_to_me }}</div>
          <div v-if="row.assignee" class="text-[11px] leading-4 rounded-full px-2 py-0.5 bg-stone-100 text-stone-600 whitespace-nowrap shrink-0">{{ row.assignee }}</div>
          <div v-for="topic in row.topics" :key="topic.key" :title="topic.label"
               :class="topic.classes">{{ topic.label }}</div>
        </div>
      </div>
      <div v-if="armed" class="row-actions absolute right-2 bottom-2 flex gap-0 bg-white/90 rounded-lg shadow-sm opacity-0
                  group-hover:opacity-100 group-focus-within:opacity-100 transition">
        <q-btn flat round dense size="sm" :icon="row.status === 'open' ? 'check_circle_outline' : 'replay'"
               :aria-label="row.status === 'open' ? labels.close : labels.reopen"
               :title="row.status === 'open' ? labels.close : labels.reopen" @click.stop="$emit('toggle', row.id)"></q-btn>
        <q-btn flat round dense size="sm" icon="person_add_alt" :aria-label="labels.assign" :title="labels.assign"
               @click.stop="$emit('assign', row.id)"></q-btn>
        <q-btn v-if="canBlock" flat round dense size="sm" :icon="row.blocked ? 'lock_open' : 'block'"
               :aria-label="row.blocked ? labels.unblock : labels.block"
               :title="row.blocked ? labels.unblock : labels.block" @click.stop="$emit('block', row.id)"></q-btn>
      </div>
    </div>`,
  // The close and assign buttons are made on the row's first hover or focus: with shoppers writing, rows keep
  // coming into the first 60, and two Quasar buttons were most of what a new row cost the page to draw.
  data() {
    return { armed: false };
  },
  methods: {
    touchStart(e) {
      this.start = e.touches.length === 1 ? { x: e.touches[0].clientX, y: e.touches[0].clientY } : null;
    },
    touchEnd(e) {
      // A sideways swipe (phones) closes or reopens the conversation.
      const start = this.start;
      this.start = null;
      if (!start || !e.changedTouches.length) return;
      const dx = e.changedTouches[0].clientX - start.x;
      const dy = e.changedTouches[0].clientY - start.y;
      if (Math.abs(dx) >= 80 && Math.abs(dy) <= 40) this.$emit("toggle", this.row.id);
    },
  },
};

export default {
  components: { "conversation-row": Row },
  props: { initial: Object, labels: Object, can_block: Boolean },
  emits: ["select", "toggle", "assign", "block", "resync"],
  template: `
    <div class="w-full flex flex-col gap-0">
      <conversation-row v-for="id in shownOrder" :key="id" :row="rows[id]" :labels="labels"
                        :selected="id === selected" :focused="id === focused" :can-block="can_block"
                        @select="select" @toggle="toggle" @assign="assign" @block="block" />
      <div v-if="order.length > limit" ref="more" class="h-px"></div>
    </div>`,
  computed: {
    shownOrder() {
      return this.order.length > this.limit ? this.order.slice(0, this.limit) : this.order;
    },
  },
  mounted() {
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) this.limit += SHOWN_AT_ONCE;
    });
    this.watchEnd();
  },
  updated() {
    this.watchEnd();
  },
  unmounted() {
    this.observer?.disconnect();
  },
  data() {
    const initial = this.initial || {};
    return {
      version: initial.version ?? 0,
      rows: byId(initial.rows || []),
      order: (initial.rows || []).map((row) => row.id),
      selected: initial.selected ?? null,
      focused: initial.focused ?? null,
      limit: SHOWN_AT_ONCE,
    };
  },
  methods: {
    // Method references, not inline arrow functions: an inline handler is a new function at every render of the
    // list, so Vue would see every row's props change and redraw all rows when one row changed.
    select(id) {
      this.$emit("select", id);
    },
    toggle(id) {
      this.$emit("toggle", id);
    },
    assign(id) {
      this.$emit("assign", id);
    },
    block(id) {
      this.$emit("block", id);
    },
    watchEnd() {
      if (this.$refs.more === this.watched) return;
      if (this.watched) this.observer.unobserve(this.watched);
      this.watched = this.$refs.more;
      if (this.watched) this.observer.observe(this.watched);
    },
    reset(version, rows) {
      this.version = version;
      this.limit = SHOWN_AT_ONCE;
      this.rows = byId(rows);
      this.order = rows.map((row) => row.id);
    },
    apply(version, changed, dropped, order) {
      if (version < this.version) return; // meant for a list that was since replaced
      if (version > this.version) return this.$emit("resync"); // a reset never arrived: ask for the whole list
      for (const row of changed) this.rows[row.id] = markRaw(row);
      for (const id of dropped) delete this.rows[id];
      if (order) this.order = order; // the rows sent and not dropped; null: the order did not change
    },
    highlight(selected, focused) {
      this.selected = selected;
      this.focused = focused;
    },
    reveal(id) {
      const index = this.order.indexOf(id);
      if (index >= this.limit) this.limit = index + 1;
      this.$nextTick(() => this.$el.querySelector(`[data-conversation="${id}"]`)?.scrollIntoView({ block: "nearest" }));
    },
  },
};
